import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LayersModel } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { subset } from '../data/dataset.js';
import { denseModel } from '../../test/support/models.js';
import { syntheticRegression } from '../../test/support/synthetic.js';
import type { CellKey } from './cells.js';
import type { Experiment, TeacherSpec } from './experiment.js';
import type { ExperimentProgress } from './progress.js';
import { runExperiment } from './runner.js';
import { weightsHash } from './teachers.js';

let root: string;
before(async () => {
  await initBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'tm-runner-'));
});
after(() => rm(root, { recursive: true, force: true }));

const lines: string[] = [];
const progress: ExperimentProgress = {
  cellStart: () => {},
  cellEnd: (_index, _total, line) => lines.push(line),
  training: { onEpochEnd: ({ label }) => lines.push(`epoch of ${label}`) },
  message: (line) => lines.push(line),
  stop: () => {},
};

const data = syntheticRegression({ seed: 1 }).broad;
const few = (n: number) => Array.from({ length: n }, (_, i) => i);

const teacherSpec: TeacherSpec = {
  id: 'one',
  setup: { test: 'runner' },
  fingerprint: async () => 'synthetic',
  describe: 'on 64 synthetic rows',
  build: () => denseModel([4], 1, 'teacher'),
  task: 'regression',
  data: { train: subset(data.train, few(64)), validation: subset(data.validation, few(32)) },
  training: { epochs: 1, batchSize: 32 },
};

/**
 * An experiment whose 'finetune' cells change the teacher they get, as talking's
 * `teacher.mode: 'finetune'` does; it records the teacher hash each cell starts from.
 */
function fakeExperiment(events: string[], changeKept = false): Experiment {
  let kept: LayersModel | undefined;
  return {
    suite: 'fake',
    title: 'fake',
    dataset: 'synthetic',
    config: { changeKept },
    tasks: ['a', 'b'],
    methods: ['finetune', 'plain'],
    methodInput: () => ({ name: 'student' }),
    task: 'regression',
    seeds: 1,
    teacherFor: () => teacherSpec,
    teacherMetric: (teacherOf) => {
      kept = teacherOf('a');
      events.push(`metric ${weightsHash(kept)}`);
      return { metric: 'rmse', value: 1, on: 'nothing', byTask: {} };
    },
    async runCell(cell: CellKey, teacher) {
      events.push(`cell ${weightsHash(teacher)}`);
      if (cell.method === 'finetune') {
        const target = changeKept ? kept! : teacher;
        target.setWeights(target.getWeights().map((w) => w.add(1)));
      }
      const row = {
        ...cell,
        metric: 'rmse' as const,
        value: 1,
        validation: 1,
        epochs: 1,
        bestEpoch: 1,
        seconds: 0,
      };
      return { row, history: [] };
    },
  };
}

const settings = (out: string) => ({
  outDir: join(root, out),
  cacheDir: join(root, 'cache'),
  backend: 'cpu' as const,
  quick: false,
  resume: false,
  command: 'talking-models run fake',
  progress,
});

test('every cell starts from the pristine teacher, measured before any cell, even after a cell fine-tunes its copy', async () => {
  const events: string[] = [];
  const result = await runExperiment(settings('pristine'), async () => fakeExperiment(events));
  assert.equal(result?.rows.length, 4);
  const [metric, ...cells] = events;
  assert.match(metric, /^metric /, 'the teacher is measured before the first cell');
  const pristine = metric.slice('metric '.length);
  assert.deepEqual(cells, Array(4).fill(`cell ${pristine}`));
  assert.ok(lines.includes('epoch of teacher'), 'the pre-training is logged as the teacher');
  assert.ok(!lines.includes('epoch of student'));
  assert.equal(JSON.parse(await readFile(join(root, 'pristine', 'results.json'), 'utf8')).teacher.value, 1);
});

test('a cell that changes the kept teacher stops the run, naming the teacher', async () => {
  await assert.rejects(
    runExperiment(settings('changed'), async () => fakeExperiment([], true)),
    /the teacher "one" changed during a cell/,
  );
});

test('a method not defined for the task stops the run before any teacher trains', async () => {
  lines.length = 0;
  const experiment = {
    ...fakeExperiment([]),
    methods: ['student', 'dkd'],
    methodInput: (name: string) => ({ name }),
  };
  await assert.rejects(
    runExperiment(
      { ...settings('wrong-task'), cacheDir: join(root, 'fresh-cache') },
      async () => experiment as Experiment,
    ),
    /Invalid fake config: method "dkd": dkd is defined for classification only \(the task here is regression\)/,
  );
  assert.deepEqual(lines, [], 'nothing was trained or loaded');
});
