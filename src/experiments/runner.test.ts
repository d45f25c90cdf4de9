import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
import type { CellRecord } from './results.js';
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

const tunedKnobs = tuningSchema.parse({
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

/**
 * A tuned experiment whose cells log what they run; validation is best (lowest RMSE) at alpha 0.75
 * on task a, at 0.9 on b (0.75 wins on the mean), and the test metric is a function of the setup,
 * task and seed, so that a row taken from a tuning cell must carry that cell's numbers.
 */
function tunedExperiment(ran: string[], tuning = tunedKnobs): Experiment {
  return {
    ...fakeExperiment([]),
    methods: ['kd', 'kd-random-teacher', 'fitnet'],
    seeds: 2,
    tuning,
    methodInput: (name) =>
      name === 'kd-random-teacher' ? { name: 'kd', teacher: { init: 'random' } } : ({ name } as never),
    async runCell(cell, setup) {
      ran.push(`${cell.method}/${cell.task}/${cell.seed} ${JSON.stringify(setup)}`);
      const alpha = (setup.method as { alpha?: number }).alpha ?? 0.5;
      const validation = cell.task === 'a' ? Math.abs(alpha - 0.75) : Math.abs(alpha - 0.9) * 0.5;
      const row = {
        ...cell,
        metric: 'rmse' as const,
        value:
          1 + alpha + (cell.task === 'a' ? 0.01 : 0.02) + cell.seed / 10 + JSON.stringify(setup).length / 1e4,
        validation,
        epochs: 1,
        bestEpoch: 1,
        seconds: 2,
      };
      return { row, history: [] };
    },
  };
}

test("the runner trains the tuning candidates first, then every row with its method's choice, and reports them", async () => {
  const ran: string[] = [];
  const experiment = tunedExperiment(ran);
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
  const rows = ran.slice(10);
  assert.deepEqual(
    rows.map((r) => r.split(' ')[0]),
    ['a', 'b'].flatMap((t) => [
      `kd/${t}/0`,
      `kd-random-teacher/${t}/0`,
      `kd-random-teacher/${t}/1`,
      `fitnet/${t}/0`,
    ]),
    "kd's and fitnet's rows at the tuning seed 1 are their chosen tuning cells, not trained again; the control's are not",
  );
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
  assert.deepEqual(result?.tuning?.tasks, ['a', 'b']);
  assert.deepEqual(
    result?.rows.map((r) => r.method),
    ['a', 'b'].flatMap(() => ['kd', 'kd', 'kd-random-teacher', 'kd-random-teacher', 'fitnet', 'fitnet']),
    'results hold the rows of the plan, not the candidates',
  );
  const cell = async (id: string) =>
    JSON.parse(await readFile(join(root, 'tuned', 'cells', `${id}.json`), 'utf8')) as CellRecord;
  for (const [row, from] of [
    ['kd__a__seed1', 'kd_0.75__a__seed1'],
    ['fitnet__b__seed1', 'fitnet_1__b__seed1'],
  ]) {
    const [taken, tuningCell] = [await cell(row), await cell(from)];
    assert.equal(taken.row.tuningCell, tuningCell.row.method, 'the cell file says where it came from');
    assert.deepEqual(
      { ...taken.row, method: '', tuningCell: '' },
      { ...tuningCell.row, method: '', tuningCell: '' },
    );
  }
  assert.ok(
    lines.some((l) =>
      /^kd__a__seed1: test RMSE \d\.\d{4} \(taken from the tuning cell kd@0\.75, not trained again\)$/.test(
        l,
      ),
    ),
  );
  assert.ok(
    lines.some((l) => /^kd_0\.75__a__seed1: validation RMSE 0\.0000/.test(l)),
    'a candidate shows its validation',
  );
  const report = await readFile(join(root, 'tuned', 'report.md'), 'utf8');
  assert.match(report, /## Tuning/);
  assert.match(report, /\| kd \| alpha \| 0\.25: 0\.4125, \*\*0\.75: 0\.0375\*\*, 0\.9: 0\.0750 \|/);
  assert.match(report, /4 rows at the tuning seed are the chosen candidate's tuning cell/);
  // Cost: 10 candidates and 8 trained rows of 2 s each; the 4 taken rows are not counted again.
  assert.match(report, /\| all \| 0\.3 \| 0\.3 \| 100% \|/);

  ran.length = 0;
  await runExperiment({ ...settings('tuned'), resume: true }, async () => experiment);
  assert.deepEqual(ran, [], 'a resumed run keeps the candidates and the rows');
});

test("a tuning cell's test metric never reaches the choice", async () => {
  const ran: string[] = [];
  const experiment = tunedExperiment(ran);
  const first = await runExperiment(settings('test-blind'), async () => experiment);
  // Give the candidates kd rejected by far the best test RMSE: a choice that read it would move.
  const dir = join(root, 'test-blind', 'cells');
  for (const file of await readdir(dir)) {
    if (!file.startsWith('kd_0.25') && !file.startsWith('kd_0.9')) continue;
    const record = JSON.parse(await readFile(join(dir, file), 'utf8')) as CellRecord;
    await writeFile(join(dir, file), JSON.stringify({ ...record, row: { ...record.row, value: 0 } }));
  }
  const again = await runExperiment({ ...settings('test-blind'), resume: true }, async () => experiment);
  assert.deepEqual(again?.tuning, first?.tuning);
  assert.equal(again?.tuning?.choices[0].chosen, '0.75');
});

test('tuning.tasks: the candidates run and choose on those tasks only; a row on another task trains', async () => {
  const ran: string[] = [];
  const tuning = tuningSchema.parse({ ...tunedKnobs, tasks: ['b'] });
  const result = await runExperiment(settings('subset'), async () => tunedExperiment(ran, tuning));
  assert.ok(
    ran.filter((r) => r.includes('@')).every((r) => r.includes('/b/1 ')),
    'candidates on b only',
  );
  assert.equal(ran.filter((r) => r.includes('@')).length, 5);
  // On b alone, 0.9 is best.
  assert.deepEqual(result?.tuning?.choices[0].chosen, '0.9');
  assert.deepEqual(result?.tuning?.tasks, ['b']);
  const rows = ran.filter((r) => !r.includes('@')).map((r) => r.split(' ')[0]);
  assert.ok(
    rows.includes('kd/a/1') && !rows.includes('kd/b/1'),
    'the row on a trains, the one on b is taken',
  );
  assert.match(await readFile(join(root, 'subset', 'report.md'), 'utf8'), /over the task b at seed 1/);
  await assert.rejects(
    runExperiment(settings('unknown-task'), async () =>
      tunedExperiment([], tuningSchema.parse({ ...tunedKnobs, tasks: ['b', 'z'] })),
    ),
    /^Error: Invalid fake config: tuning\.tasks: "z" is not a task of this run; its tasks are a, b$/,
  );
});
