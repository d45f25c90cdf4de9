import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { compileKernelWat, WAT_MODULES } from '../../../scripts/build-wasm.js';
import { OPTIMIZER_UPDATES_SHARED_WASM, OPTIMIZER_UPDATES_WASM } from './optimizer_updates_wasm.js';
import { CONV_FILTER_GRADIENT_SHARED_WASM, CONV_FILTER_GRADIENT_WASM } from './conv_filter_gradient_wasm.js';
import { BATCH_NORM_TRAINING_SHARED_WASM, BATCH_NORM_TRAINING_WASM } from './batch_norm_training_wasm.js';
import { ELEMENTWISE_SHARED_WASM, ELEMENTWISE_WASM } from './elementwise_wasm.js';
import { SIMD_PEAK_SHARED_WASM, SIMD_PEAK_WASM } from '../../bench/simd_peak_wasm.js';
import { splitShrinking } from './wasm_loops.js';

const committed: Record<string, [unshared: string, shared: string]> = {
  OPTIMIZER_UPDATES: [OPTIMIZER_UPDATES_WASM, OPTIMIZER_UPDATES_SHARED_WASM],
  CONV_FILTER_GRADIENT: [CONV_FILTER_GRADIENT_WASM, CONV_FILTER_GRADIENT_SHARED_WASM],
  BATCH_NORM_TRAINING: [BATCH_NORM_TRAINING_WASM, BATCH_NORM_TRAINING_SHARED_WASM],
  ELEMENTWISE: [ELEMENTWISE_WASM, ELEMENTWISE_SHARED_WASM],
  SIMD_PEAK: [SIMD_PEAK_WASM, SIMD_PEAK_SHARED_WASM],
};

test('every .wat of the kernel pack has its committed bytes', () => {
  assert.deepEqual(WAT_MODULES.map((m) => m.constant).sort(), Object.keys(committed).sort());
});

for (const { wat, constant } of WAT_MODULES) {
  test(`the committed WebAssembly of ${constant} is what its .wat compiles to`, async () => {
    const { unshared, shared } = await compileKernelWat(wat, await readFile(wat, 'utf8'));
    const rebuild = 'run `node --import tsx scripts/build-wasm.ts` after editing a .wat';
    assert.equal(Buffer.from(unshared).toString('base64'), committed[constant][0], rebuild);
    assert.equal(Buffer.from(shared).toString('base64'), committed[constant][1], rebuild);
  });

  test(`the shared-memory loops of ${constant} bind to a shared memory like the threaded binary, and only to one`, () => {
    const module = new WebAssembly.Module(Buffer.from(committed[constant][1], 'base64'));
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    assert.ok(Object.keys(new WebAssembly.Instance(module, { env: { memory: shared } }).exports).length > 0);
    const unshared = new WebAssembly.Memory({ initial: 1 });
    assert.throws(
      () => new WebAssembly.Instance(module, { env: { memory: unshared } }),
      WebAssembly.LinkError,
    );
  });
}

test('splitShrinking gives contiguous ranges, each a fraction of what is left, the last of one item', () => {
  assert.deepEqual(
    splitShrinking(128, 1 / 4).map(([, count]) => count),
    [32, 24, 18, 14, 10, 8, 6, 4, 3, 3, 2, 1, 1, 1, 1],
  );
  assert.deepEqual(splitShrinking(7, 1 / 2), [
    [0, 4],
    [4, 2],
    [6, 1],
  ]);
  assert.deepEqual(splitShrinking(1, 1 / 4), [[0, 1]]);
  assert.deepEqual(splitShrinking(0, 1 / 4), []);
  for (const items of [1, 5, 32, 129]) {
    const ranges = splitShrinking(items, 1 / 4);
    ranges.forEach(([first, count], k) => {
      assert.equal(first, k === 0 ? 0 : ranges[k - 1][0] + ranges[k - 1][1], `${items}: contiguous`);
      assert.ok(count >= 1 && (k === 0 || count <= ranges[k - 1][1]), `${items}: shrinking, none empty`);
    });
    const [first, count] = ranges[ranges.length - 1];
    assert.equal(first + count, items, `${items}: every item`);
  }
});
