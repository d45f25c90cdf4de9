import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../tf.js';
import { initBackend } from '../backend.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

// Transposes only move values: the backends must agree exactly.
const EXACT = { atol: 0, rtol: 0 };

const cases: { shape: number[]; perm: number[] }[] = [
  { shape: [37, 53], perm: [1, 0] },
  // Sizes that are not multiples of the tile, and a batch of matrices.
  { shape: [3, 17, 40], perm: [0, 2, 1] },
  { shape: [2, 3, 5, 7], perm: [0, 1, 3, 2] },
  // Axes of size 1 anywhere do not change which values move.
  { shape: [1, 9, 1, 6], perm: [0, 3, 2, 1] },
  { shape: [4, 1, 6], perm: [2, 1, 0] },
  // Only axes of size 1 move: no data moves.
  { shape: [1, 64, 1], perm: [0, 2, 1] },
  { shape: [5, 1, 3], perm: [1, 0, 2] },
  // Other permutations go to the built-in kernel.
  { shape: [2, 3, 4], perm: [2, 0, 1] },
  { shape: [2, 3, 4, 5], perm: [3, 1, 2, 0] },
];

for (const { shape, perm } of cases) {
  test(`Transpose [${shape}] by [${perm}] matches cpu (float32 and int32)`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const size = shape.reduce((a, b) => a * b, 1);
        return [
          tf.transpose(tf.randomNormal(shape, 0, 1, 'float32', 1), perm),
          tf.transpose(tf.range(0, size, 1, 'int32').reshape(shape), perm),
        ];
      },
      EXACT,
      'transpose',
    );
  });
}

test('a transpose that moves only axes of size 1 shares its input data, as a reshape does', async () => {
  await initBackend('wasm');
  tf.tidy(() => {
    const x = tf.randomNormal([1, 64, 1]);
    const before = tf.backend().numDataIds();
    const y = tf.transpose(x, [0, 2, 1]);
    assert.deepEqual(y.shape, [1, 1, 64]);
    assert.equal(tf.backend().numDataIds(), before, 'no new data on the backend');
    assert.deepEqual(y.dataSync(), x.dataSync());
  });
});
