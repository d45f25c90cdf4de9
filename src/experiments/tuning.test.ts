import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMethodConfig } from '../distill/methods/registry.js';
import { parseTrainingConfig } from '../distill/training-config.js';
import {
  candidateSetup,
  chooseCandidates,
  chosenPatch,
  DEFAULT_KNOBS,
  mergePatch,
  rowFromTuningCell,
  rowTuningCell,
  tuningPlan,
  tuningRounds,
  tuningSchema,
  tuningTable,
  tuningTasks,
} from './tuning.js';

const tuning = tuningSchema.parse({
  knobs: {
    kd: {
      knob: 'alpha',
      candidates: { '0.25': { method: { alpha: 0.25 } }, '0.9': { method: { alpha: 0.9 } } },
    },
  },
});

test('the tuning plan runs every candidate of every tuned method on every task at the tuning seed', () => {
  const [leaders, followers] = tuningRounds(tuning, ['student', 'kd', 'kd-random-teacher']);
  assert.deepEqual([leaders, followers], [['kd'], []], 'a control tunes as its method, once');
  const plan = tuningPlan(tuning, leaders, ['A', 'B']);
  assert.deepEqual(
    plan.map((k) => `${k.task}/${k.method}/${k.seed}`),
    ['A/kd@0.25/0', 'A/kd@0.9/0', 'B/kd@0.25/0', 'B/kd@0.9/0'],
  );
  assert.deepEqual(tuningRounds({ ...tuning, enabled: false }, ['kd']), [[], []]);
});

const following = tuningSchema.parse({
  knobs: {
    ...tuning.knobs,
    'talking+kd': {
      knob: 'reading',
      follows: { method: 'kd', settings: { alpha: 'weights.kd', temperature: 'temperature' } },
      candidates: { none: { method: { reading: 'none' } }, concat: { method: { reading: 'concat' } } },
    },
  },
});

test("a knob that follows another method's tunes after it, and its candidates and row take that method's choice", () => {
  assert.deepEqual(tuningRounds(following, ['kd', 'talking+kd']), [['kd'], ['talking+kd']]);
  assert.deepEqual(
    tuningRounds(following, ['talking+kd']),
    [['talking+kd'], []],
    'without kd in the run it tunes in the first round, at its own defaults',
  );
  const kdChoice = { method: 'kd', knob: 'alpha', candidates: [], chosen: '0.25', seconds: 0 };
  const setup = candidateSetup(following, 'talking+kd@concat', (name) => ({ name }) as never, [kdChoice]);
  assert.deepEqual(
    setup?.method,
    { name: 'talking+kd', weights: { kd: 0.25 }, reading: 'concat' },
    "kd's chosen alpha goes to the kd term's weight; kd's candidate sets no temperature, so none is taken",
  );
  const [choice] = chooseCandidates(
    following,
    ['talking+kd'],
    ['A'],
    'rmse',
    (m) => ({ validation: m.endsWith('concat') ? 0.5 : 0.6, seconds: 1 }),
    [kdChoice],
  );
  assert.equal(choice.chosen, 'concat');
  assert.equal(choice.follows, "kd's alpha = 0.25");
  assert.deepEqual(chosenPatch(following, [kdChoice, choice], 'talking+kd').method, {
    weights: { kd: 0.25 },
    reading: 'concat',
  });
  assert.match(
    tuningTable([kdChoice, choice], 0, ['A']).join('\n'),
    /\| talking\+kd \| reading \(with kd's alpha = 0\.25\) \|/,
  );
  const chain = tuningSchema.parse({
    knobs: {
      ...following.knobs,
      kd: { ...following.knobs.kd, follows: { method: 'talking+kd', settings: {} } },
    },
  });
  assert.throws(() => tuningRounds(chain, ['kd', 'talking+kd']), /one step at most/);
});

test('the candidate with the best mean validation over tasks is chosen, and controls take it', () => {
  // RMSE: 0.25 has mean (1.0 + 0.8) / 2 = 0.9, 0.9 has (0.85 + 0.9) / 2 = 0.875: 0.9 wins though it loses on A.
  const table: Record<string, number> = {
    'kd@0.25/A': 1.0,
    'kd@0.25/B': 0.8,
    'kd@0.9/A': 0.85,
    'kd@0.9/B': 0.9,
  };
  const choices = chooseCandidates(tuning, ['kd'], ['A', 'B'], 'rmse', (m, t) => ({
    validation: table[`${m}/${t}`],
    seconds: 2,
  }));
  assert.deepEqual(choices, [
    {
      method: 'kd',
      knob: 'alpha',
      candidates: [
        { label: '0.25', validation: 0.9 },
        { label: '0.9', validation: 0.875 },
      ],
      chosen: '0.9',
      seconds: 8,
    },
  ]);
  assert.deepEqual(chosenPatch(tuning, choices, 'kd-random-teacher').method, { alpha: 0.9 });
  assert.deepEqual(chosenPatch(tuning, choices, 'student'), { method: {}, training: {} });
  // For accuracy the larger mean wins.
  const accuracy = chooseCandidates(tuning, ['kd'], ['A', 'B'], 'accuracy', (m, t) => ({
    validation: table[`${m}/${t}`],
    seconds: 1,
  }));
  assert.equal(accuracy[0].chosen, '0.25');
  const report = tuningTable(choices, 0, ['A', 'B']).join('\n');
  assert.match(report, /\| kd \| alpha \| 0\.25: 0\.9000, \*\*0\.9: 0\.8750\*\* \|/);
  assert.match(report, /mean validation metric over the tasks A, B at seed 0/, 'it says which tasks chose');
  assert.doesNotMatch(report, /test/i, 'validation only');
});

test('a patch merges into nested configs without dropping the fields it does not name', () => {
  const merged = mergePatch(
    { name: 'talking', weights: { interact: 1, mc: 0.1 }, layers: [1, 2] },
    { weights: { interact: 3 }, layers: [3] },
  );
  assert.deepEqual(merged, { name: 'talking', weights: { interact: 3, mc: 0.1 }, layers: [3] });
});

test('every default candidate is a valid config of its method, and no method gets more than four', () => {
  for (const [method, knob] of Object.entries(DEFAULT_KNOBS)) {
    const labels = Object.keys(knob.candidates);
    assert.ok(labels.length >= 1 && labels.length <= 4, method);
    for (const candidate of Object.values(knob.candidates)) {
      parseMethodConfig(mergePatch({ name: method }, candidate.method));
      parseTrainingConfig(mergePatch({}, candidate.training));
    }
  }
  // What a follower takes from its leader's candidates makes a valid config of the follower.
  const kdChoices = Object.keys(DEFAULT_KNOBS.kd.candidates).map((chosen) => ({
    method: 'kd',
    knob: 'alpha',
    candidates: [],
    chosen,
    seconds: 0,
  }));
  assert.equal(DEFAULT_KNOBS['talking+kd'].follows?.method, 'kd', "talking+kd runs kd's term as kd chose it");
  for (const kdChoice of kdChoices) {
    const setup = candidateSetup(
      tuningSchema.parse({}),
      'talking+kd@none@penultimate',
      (name) => ({ name }) as never,
      [kdChoice],
    );
    const config = parseMethodConfig(setup?.method);
    assert.equal((config as { weights: { kd: number } }).weights.kd, Number(kdChoice.chosen));
  }
  assert.throws(
    () =>
      tuningSchema.parse({ knobs: { kd: { knob: 'a', candidates: { 1: {}, 2: {}, 3: {}, 4: {}, 5: {} } } } }),
    /between 1 and 4 candidates/,
  );
});

test('tuning.tasks chooses on a subset of the tasks, in the run order; an unknown task names the option and the tasks', () => {
  const tasks = ['A', 'B', 'C'];
  assert.deepEqual(tuningTasks(tuning, tasks, 'fake'), tasks, 'every task by default');
  const subset = tuningSchema.parse({ ...tuning, tasks: ['C', 'A'] });
  assert.deepEqual(tuningTasks(subset, tasks, 'fake'), ['A', 'C']);
  assert.deepEqual(
    tuningPlan(subset, ['kd'], tuningTasks(subset, tasks, 'fake')).map((k) => `${k.task}/${k.method}`),
    ['A/kd@0.25', 'A/kd@0.9', 'C/kd@0.25', 'C/kd@0.9'],
  );
  assert.throws(
    () => tuningTasks(tuningSchema.parse({ tasks: ['A', 'Western'] }), tasks, 'movielens-genre'),
    /^Error: Invalid movielens-genre config: tuning\.tasks: "Western" is not a task of this run; its tasks are A, B, C$/,
  );
  assert.throws(() => tuningSchema.parse({ tasks: [] }), /at least 1|too small|>=1/i);
  assert.equal(
    'tasks' in tuningSchema.parse({}),
    false,
    'absent unless given, so that configs without it keep their hash and their cells',
  );
});

test("choices read only the tuning cells' validation: their test metric changes nothing", () => {
  const cells = (test: (m: string) => number) => (m: string, t: string) =>
    // The callback hands over a whole row, as a stored cell is; the choice must not look at `value`.
    ({ validation: m.endsWith('0.9') ? 0.5 : 0.6, seconds: 1, value: test(m), task: t }) as never;
  const choose = (test: (m: string) => number) =>
    chooseCandidates(tuning, ['kd'], ['A', 'B'], 'rmse', cells(test));
  const a = choose(() => 1);
  assert.equal(a[0].chosen, '0.9');
  assert.deepEqual(
    choose((m) => (m.endsWith('0.9') ? 9 : 0)),
    a,
  );
});

test("a row at the tuning seed is its method's chosen tuning cell only when the setups match", () => {
  const inputs: Record<string, object> = {
    kd: { name: 'kd' },
    'kd-random-teacher': { name: 'kd', teacher: { init: 'random' } },
    'talking+kd': { name: 'talking+kd' },
    'talking+kd-random-teacher': { name: 'talking+kd', teacher: { init: 'random' } },
  };
  const methodInput = (m: string) => inputs[m] as never;
  const kdChoice = { method: 'kd', knob: 'alpha', candidates: [], chosen: '0.9', seconds: 0 };
  const followerChoice = { ...kdChoice, method: 'talking+kd', knob: 'reading', chosen: 'concat' };
  const choices = [kdChoice, followerChoice];
  const of = (method: string, task = 'A', seed = 0, tasks = ['A', 'B']) =>
    rowTuningCell(following, choices, { method, task, seed }, tasks, methodInput);
  assert.deepEqual(of('kd'), { method: 'kd@0.9', task: 'A', seed: 0 });
  assert.deepEqual(
    of('talking+kd', 'B'),
    { method: 'talking+kd@concat', task: 'B', seed: 0 },
    "a follower's candidate ran with the same leader's choice as its row",
  );
  assert.equal(of('kd', 'A', 1), undefined, 'another seed is another training');
  assert.equal(of('kd', 'C', 0, ['A', 'B']), undefined, 'a task the candidates did not run on');
  assert.equal(
    of('kd-random-teacher'),
    undefined,
    "a control's teacher is random: not its method's candidate",
  );
  assert.equal(of('student'), undefined, 'no choice, no tuning cell');
  assert.equal(
    of('talking+kd-random-teacher'),
    undefined,
    "a follower's control takes the follower's choice and kd's, but its teacher differs",
  );
});

test('a reused row is its tuning cell under the row name, marked; a tuning cell without a test metric is not used', () => {
  const tuningCell = {
    row: {
      method: 'kd@0.9',
      task: 'A',
      seed: 0,
      metric: 'rmse' as const,
      value: 0.91,
      validation: 0.9,
      epochs: 7,
      bestEpoch: 5,
      seconds: 12,
      preliminary: {},
    },
    history: [
      { label: 'student', phase: 'main', epoch: 1, validation: { metric: 'rmse' as const, value: 0.9 } },
    ],
  };
  const key = { method: 'kd', task: 'A', seed: 0 };
  assert.deepEqual(rowFromTuningCell(tuningCell, key), {
    row: { ...tuningCell.row, method: 'kd', tuningCell: 'kd@0.9' },
    history: tuningCell.history,
  });
  // Cells written before tuning cells recorded a test metric hold null (NaN in JSON) there.
  const old = JSON.parse(JSON.stringify({ ...tuningCell, row: { ...tuningCell.row, value: NaN } }));
  assert.equal(rowFromTuningCell(old, key), undefined);
});
