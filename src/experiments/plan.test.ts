import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CellStore, type CellKey } from './cells.js';
import { planCells, runPlan } from './plan.js';
import { quietProgress as quiet } from '../../test/support/progress.js';
import { parseWorkerSlot } from './workers.js';

const record = (key: CellKey) => ({
  row: {
    ...key,
    metric: 'accuracy' as const,
    value: key.seed,
    validation: 0,
    epochs: 1,
    bestEpoch: 1,
    seconds: 0,
  },
  history: [],
});

test('a plan lists every task, method and seed, in that order of nesting', () => {
  assert.deepEqual(
    planCells(['A', 'B'], ['student', 'kd'], 2).map((k) => `${k.task}/${k.method}/${k.seed}`),
    ['A/student/0', 'A/student/1', 'A/kd/0', 'A/kd/1', 'B/student/0', 'B/student/1', 'B/kd/0', 'B/kd/1'],
  );
});

test('workers share a plan without overlap; a later full pass trains nothing twice', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-plan-'));
  try {
    const plan = planCells(['A'], ['student', 'kd', 'talking'], 3);
    const cells = new CellStore(dir);
    const trained: string[][] = [[], []];
    for (const index of [0, 1]) {
      await runPlan(
        plan,
        cells,
        quiet,
        async (key) => {
          trained[index].push(`${key.method}/${key.seed}`);
          return record(key);
        },
        parseWorkerSlot(`${index}/2`),
      );
    }
    assert.equal(trained[0].length + trained[1].length, plan.length);
    assert.equal(new Set([...trained[0], ...trained[1]]).size, plan.length);
    assert.ok(trained[0].length === 5 && trained[1].length === 4, 'every other cell');
    const all = await runPlan(plan, cells, quiet, async () => assert.fail('no cell is left to train'));
    assert.deepEqual(
      all.map((r) => r.row.method),
      plan.map((k) => k.method),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--worker takes k/n with 0 <= k < n', () => {
  assert.deepEqual(parseWorkerSlot('1/2'), { index: 1, count: 2 });
  for (const bad of ['2/2', '1', 'a/b', '0/0', '-1/2'])
    assert.throws(() => parseWorkerSlot(bad), /--worker must be k\/n/);
});
