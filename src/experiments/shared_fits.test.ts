import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedFitId, sharedFitsIn } from './shared_fits.js';
import type { SharedFit } from '../distill/shared_fits.js';

const key = (settings: unknown, ...arrays: ArrayBufferView[]) => ({
  label: 'teacher head',
  settings,
  arrays,
});

test('a shared fit is kept in one file and read back bit for bit, without fitting again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-shared-'));
  try {
    const cache = sharedFitsIn(join(dir, 'shared-fits'));
    const fit: SharedFit = {
      weights: [Float32Array.of(0.1, -3e-41, 1e30), Float32Array.of(2 / 3)],
      history: [
        {
          label: 'teacher head',
          phase: 'main',
          epoch: 1,
          losses: { task: 0.5 },
          learningRate: 0.1,
          seconds: 1,
        },
      ],
    };
    const weights = new Float32Array([1, 2, 3]);
    let fits = 0;
    const first = await cache.get(key({ units: 2 }, weights), async () => (fits++, fit));
    const second = await cache.get(key({ units: 2 }, weights), async () =>
      assert.fail('the kept fit is read'),
    );
    assert.equal(fits, 1);
    assert.deepEqual(second, first);
    assert.deepEqual(second.weights, fit.weights, 'exact float32 values');
    assert.deepEqual(await readdir(join(dir, 'shared-fits')), [
      `${sharedFitId(key({ units: 2 }, weights))}.json`,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a shared fit's key changes with any setting or byte it depends on", () => {
  const base = sharedFitId(
    key({ units: 2, features: 'pool' }, new Float32Array([1, 2]), new Uint8Array([3])),
  );
  assert.equal(
    sharedFitId(key({ features: 'pool', units: 2 }, new Float32Array([1, 2]), new Uint8Array([3]))),
    base,
  );
  for (const other of [
    key({ units: 3, features: 'pool' }, new Float32Array([1, 2]), new Uint8Array([3])),
    key({ units: 2, features: 'pool' }, new Float32Array([1, 2.5]), new Uint8Array([3])),
    key({ units: 2, features: 'pool' }, new Float32Array([1, 2]), new Uint8Array([4])),
    key({ units: 2, features: 'pool' }, new Float32Array([1]), new Float32Array([2]), new Uint8Array([3])),
    {
      ...key({ units: 2, features: 'pool' }, new Float32Array([1, 2]), new Uint8Array([3])),
      label: 'assistant',
    },
  ])
    assert.notEqual(sharedFitId(other), base, JSON.stringify(other.settings));
});
