import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../tf.js';
import { initBackend } from '../backend.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

// Lookups only copy values: the backends must agree exactly.
const EXACT = { atol: 0, rtol: 0 };

test('row lookups with repeated, unordered and 2-D ids match cpu (float32 and int32)', async () => {
  await assertWasmMatchesCpu(
    () => {
      const ids = tf.tensor2d([4, 0, 4, 2, 9, 0], [3, 2], 'int32');
      return [
        tf.gather(tf.randomNormal([10, 3, 5], 0, 1, 'float32', 1), ids),
        tf.gather(tf.range(0, 30, 1, 'int32').reshape([10, 3]), ids, -2),
        tf.gather(tf.randomNormal([10], 0, 1, 'float32', 2), tf.tensor1d([9, 1, 1], 'int32')),
        // Slices of 200 values take the block-copy branch.
        tf.gather(tf.randomNormal([6, 2, 100], 0, 1, 'float32', 4), tf.tensor1d([5, 0, 5], 'int32')),
      ];
    },
    EXACT,
    'gather',
  );
});

test('lookups along other axes, with batch dimensions (wrong in the built-in kernel) and of bools match cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 3);
      return [
        tf.gather(x, tf.tensor1d([4, 0, 4], 'int32'), 2),
        tf.gather(x, tf.tensor2d([1, 0, 3, 3, 2, 1], [3, 2], 'int32'), 1, 1),
        tf.gather(
          tf.tensor2d([true, false, false, true], [2, 2], 'bool'),
          tf.tensor1d([1, 1, 0], 'int32'),
          1,
        ),
      ];
    },
    EXACT,
    'gather',
  );
});

test('an id outside the table is an error naming it and its position', async () => {
  await initBackend('wasm');
  assert.throws(
    () => tf.gather(tf.zeros([5, 2]), tf.tensor1d([1, 5], 'int32')),
    /index 5 \(position 1\) is not in \[0, 4\]/,
  );
});
