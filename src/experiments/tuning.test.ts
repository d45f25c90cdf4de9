import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMethodConfig } from '../distill/methods/registry.js';
import { parseTrainingConfig } from '../distill/training-config.js';
import {
  chooseCandidates,
  chosenPatch,
  DEFAULT_KNOBS,
  mergePatch,
  tuningPlan,
  tuningSchema,
  tuningTable,
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
  const plan = tuningPlan(tuning, ['student', 'kd', 'kd-random-teacher'], ['A', 'B']);
  assert.deepEqual(
    plan.map((k) => `${k.task}/${k.method}/${k.seed}`),
    ['A/kd@0.25/0', 'A/kd@0.9/0', 'B/kd@0.25/0', 'B/kd@0.9/0'],
  );
  assert.deepEqual(tuningPlan({ ...tuning, enabled: false }, ['kd'], ['A']), []);
});

test('the candidate with the best mean validation over tasks is chosen, and controls inherit it', () => {
  // RMSE: 0.25 has mean (1.0 + 0.8) / 2 = 0.9, 0.9 has (0.85 + 0.9) / 2 = 0.875: 0.9 wins though it loses on A.
  const table: Record<string, number> = {
    'kd@0.25/A': 1.0,
    'kd@0.25/B': 0.8,
    'kd@0.9/A': 0.85,
    'kd@0.9/B': 0.9,
  };
  const choices = chooseCandidates(tuning, ['kd', 'kd-random-teacher'], ['A', 'B'], 'rmse', (m, t) => ({
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
  assert.match(
    tuningTable(choices, 0).join('\n'),
    /\| kd \| alpha \| 0\.25: 0\.9000, \*\*0\.9: 0\.8750\*\* \|/,
  );
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
  assert.throws(
    () =>
      tuningSchema.parse({ knobs: { kd: { knob: 'a', candidates: { 1: {}, 2: {}, 3: {}, 4: {}, 5: {} } } } }),
    /between 1 and 4 candidates/,
  );
});
