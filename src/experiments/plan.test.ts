import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CellStore, type CellKey } from './cells.js';
import { planCells, runCells, runPlan, type ExperimentSettings } from './plan.js';
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

test('workers claim cells as they free up: a worker stuck on a long cell leaves the rest to the other, none twice', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-plan-'));
  try {
    const plan = planCells(['A'], ['student', 'kd', 'talking'], 3);
    const cells = new CellStore(dir);
    const trained: string[][] = [[], []];
    // Worker 0's first cell lasts until worker 1 has trained every other cell.
    let releaseLong = () => {};
    const long = new Promise<void>((resolve) => (releaseLong = resolve));
    await Promise.all(
      [0, 1].map((index) =>
        runPlan(
          plan,
          cells,
          quiet,
          async (key) => {
            trained[index].push(`${key.method}/${key.seed}`);
            if (index === 0 && trained[0].length === 1) await long;
            await new Promise((resolve) => setImmediate(resolve));
            if (trained[0].length + trained[1].length === plan.length) releaseLong();
            return record(key);
          },
          parseWorkerSlot(`${index}/2`),
        ),
      ),
    );
    assert.deepEqual(trained[0], ['student/0'], 'worker 0 took one cell, then found every other one taken');
    assert.equal(trained[1].length, plan.length - 1);
    assert.equal(new Set([...trained[0], ...trained[1]]).size, plan.length);
    const all = await runPlan(plan, cells, quiet, async () => assert.fail('no cell is left to train'));
    assert.deepEqual(
      all.map((r) => r.row.method),
      plan.map((k) => k.method),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a claim left by a killed worker blocks its cell until a resumed run's parent clears the claims", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-plan-'));
  try {
    const plan = planCells(['A'], ['student'], 2);
    const cells = new CellStore(dir);
    assert.ok(cells.claim(plan[0]), 'the killed worker had claimed the first cell');
    const trained: string[] = [];
    const trainAs = (who: string) => async (key: CellKey) => {
      trained.push(`${who} ${key.method}/${key.seed}`);
      return record(key);
    };
    await runPlan(plan, cells, quiet, trainAs('stale'), parseWorkerSlot('0/2'));
    assert.deepEqual(trained, ['stale student/1']);
    await cells.put(plan[1], record(plan[1]));
    const settings = {
      progress: quiet,
      parallel: () => runPlan(plan, cells, quiet, trainAs('worker'), parseWorkerSlot('0/2')).then(() => {}),
    } as unknown as ExperimentSettings;
    await runCells(settings, 'rows', plan, cells, trainAs('parent'));
    assert.deepEqual(trained, ['stale student/1', 'worker student/0']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--worker takes k/n with 0 <= k < n', () => {
  assert.deepEqual(parseWorkerSlot('1/2'), { index: 1, count: 2 });
  for (const bad of ['2/2', '1', 'a/b', '0/0', '-1/2'])
    assert.throws(() => parseWorkerSlot(bad), /--worker must be k\/n/);
});
