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
import { tuningSchema } from './tuning.js';

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
    tuning: tuningSchema.parse({ enabled: false }),
    task: 'regression',
    seeds: 1,
    teacherFor: () => teacherSpec,
    teacherMetric: (teacherOf) => {
      kept = teacherOf('a');
      events.push(`metric ${weightsHash(kept)}`);
      return { metric: 'rmse', value: 1, on: 'nothing', byTask: {} };
    },
    async runCell(cell: CellKey, _setup, teacher) {
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
  const { teacher } = JSON.parse(await readFile(join(root, 'pristine', 'results.json'), 'utf8'));
  assert.equal(teacher.value, 1);
  // The teacher's pre-training as the cache has it goes into results.json beside its metric.
  assert.equal(teacher.members, 1);
  assert.deepEqual(Object.keys(teacher.pretraining), ['one']);
  assert.ok(teacher.pretraining.one.epochs >= 1 && teacher.pretraining.one.validation > 0);
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

test("the runner trains the tuning candidates first, then every row with its method's choice, and reports them", async () => {
  const ran: string[] = [];
  const reads: boolean[] = [];
  const tuning = tuningSchema.parse({
    seed: 1,
    knobs: {
      kd: {
        knob: 'alpha',
        candidates: {
          '0.25': { method: { alpha: 0.25 } },
          '0.75': { method: { alpha: 0.75 } },
          '0.9': { method: { alpha: 0.9 } },
        },
      },
      student: { knob: 'weight decay', candidates: { '0': { training: { optimizer: { weightDecay: 0 } } } } },
      fitnet: {
        knob: 'beta',
        follows: { method: 'kd', settings: { alpha: 'kdAlpha' } },
        candidates: { '1': { method: { beta: 1 } }, '2': { method: { beta: 2 } } },
      },
    },
  });
  const experiment: Experiment = {
    ...fakeExperiment([]),
    methods: ['kd', 'kd-random-teacher', 'fitnet'],
    seeds: 2,
    tuning,
    methodInput: (name) =>
      name === 'kd-random-teacher' ? { name: 'kd', teacher: { init: 'random' } } : ({ name } as never),
    async runCell(cell, setup, _teacher, run) {
      ran.push(`${cell.method}/${cell.task}/${cell.seed} ${JSON.stringify(setup)}`);
      reads.push(run.test);
      const alpha = (setup.method as { alpha?: number }).alpha ?? 0.5;
      // Validation is best (lowest RMSE) at alpha 0.75 on task a, at 0.9 on b; 0.75 wins on the mean.
      const validation = cell.task === 'a' ? Math.abs(alpha - 0.75) : Math.abs(alpha - 0.9) * 0.5;
      const row = {
        ...cell,
        metric: 'rmse' as const,
        value: 1,
        validation,
        epochs: 1,
        bestEpoch: 1,
        seconds: 0,
      };
      return { row, history: [] };
    },
  };
  const result = await runExperiment(settings('tuned'), async () => experiment);
  const candidates = ran.slice(0, 10);
  assert.deepEqual(
    candidates.map((r) => r.split(' ')[0]),
    [
      ...['kd@0.25/a/1', 'kd@0.75/a/1', 'kd@0.9/a/1', 'kd@0.25/b/1', 'kd@0.75/b/1', 'kd@0.9/b/1'],
      ...['fitnet@1/a/1', 'fitnet@2/a/1', 'fitnet@1/b/1', 'fitnet@2/b/1'],
    ],
    'the candidates run first, at the tuning seed, for methods of the run only (no student here), ' +
      "a knob that follows kd's after kd's",
  );
  assert.match(candidates[2], /"alpha":0\.9/);
  for (const follower of candidates.slice(6)) assert.match(follower, /"kdAlpha":0\.75/, "kd's choice");
  assert.deepEqual(
    reads,
    [...Array(10).fill(false), ...Array(12).fill(true)],
    'candidates never read the test data',
  );
  const rows = ran.slice(10);
  assert.equal(rows.length, 12);
  for (const row of rows.filter((r) => r.startsWith('kd'))) assert.match(row, /"alpha":0\.75/, row);
  assert.ok(
    rows.filter((r) => r.startsWith('kd-random-teacher')).every((r) => r.includes('"init":"random"')),
    "the control keeps its own setting and takes its method's choice",
  );
  assert.ok(
    rows
      .filter((r) => r.startsWith('fitnet'))
      .every((r) => r.endsWith('{"method":{"name":"fitnet","kdAlpha":0.75,"beta":1},"training":{}}')),
    "the follower's rows take the leader's choice and their own",
  );
  assert.deepEqual(
    result?.tuning?.choices.map((c) => [c.method, c.chosen]),
    [
      ['kd', '0.75'],
      ['fitnet', '1'],
    ],
  );
  assert.deepEqual(
    result?.rows.map((r) => r.method),
    ['a', 'b'].flatMap(() => ['kd', 'kd', 'kd-random-teacher', 'kd-random-teacher', 'fitnet', 'fitnet']),
    'results hold the rows of the plan, not the candidates',
  );
  const report = await readFile(join(root, 'tuned', 'report.md'), 'utf8');
  assert.match(report, /## Tuning/);
  assert.match(report, /\| kd \| alpha \| 0\.25: 0\.4125, \*\*0\.75: 0\.0375\*\*, 0\.9: 0\.0750 \|/);

  ran.length = 0;
  await runExperiment({ ...settings('tuned'), resume: true }, async () => experiment);
  assert.deepEqual(ran, [], 'a resumed run keeps the candidates and the rows');
});
