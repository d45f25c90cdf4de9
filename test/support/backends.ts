import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend, type BackendName } from '../../src/engine/backend.js';

/**
 * Runs `compute` on one backend and returns its results as plain arrays, so that the same
 * computation can be compared across backends (tensors belong to the backend that made them).
 */
export async function onBackend(
  name: BackendName,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; values: Float32Array | Int32Array }[]> {
  await initBackend(name);
  return tf.tidy(() => {
    const out = compute();
    return (Array.isArray(out) ? out : [out]).map((t) => ({
      shape: t.shape,
      values: t.dataSync() as Float32Array | Int32Array,
    }));
  });
}

/** Asserts |actual - expected| <= atol + rtol * |expected| elementwise, naming the first mismatch. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol, rtol }: { atol: number; rtol: number },
  what = 'value',
): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < expected.length; i++) {
    const limit = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= limit)) {
      assert.fail(`${what}[${i}]: ${actual[i]} vs reference ${expected[i]} (allowed difference ${limit})`);
    }
  }
}

/** Computes `compute` on wasm and on the reference cpu backend and compares every output. */
export async function assertWasmMatchesCpu(
  compute: () => tf.Tensor | tf.Tensor[],
  tolerance: { atol: number; rtol: number },
  what: string,
): Promise<void> {
  const reference = await onBackend('cpu', compute);
  const actual = await onBackend('wasm', compute);
  assert.equal(actual.length, reference.length);
  actual.forEach((out, i) => {
    assert.deepEqual(out.shape, reference[i].shape, `${what} output ${i}: shape`);
    assertClose(out.values, reference[i].values, tolerance, `${what} output ${i}`);
  });
}
