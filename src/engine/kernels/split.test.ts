import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

// Splits only move values: the backends must agree exactly.
const EXACT = { atol: 0, rtol: 0 };

test('splits along every axis, by count and by sizes (with -1), match cpu (float32, int32, bool)', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = tf.randomNormal([4, 6, 50], 0, 1, 'float32', 1);
      return [
        // Whole 600-value blocks, and rows of 50, 150 and 100 values: both copy branches.
        ...tf.split(x, 2, 0),
        ...tf.split(x, [1, 3, -1], 1),
        ...tf.split(x, [3, 47], -1),
        ...tf.split(tf.range(0, 24, 1, 'int32').reshape([4, 6]), [2, 4], 1),
        ...tf.split(tf.tensor2d([true, false, true, true], [2, 2], 'bool'), 2, 1),
      ];
    },
    EXACT,
    'split',
  );
});

test('the gradient of a concat (SplitV) matches cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const a = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
      const b = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
      const weights = tf.randomNormal([5, 7], 0, 1, 'float32', 4);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.concat([a, b], 1).mul(weights).sum())([a, b]);
    },
    EXACT,
    'concat gradient',
  );
});
