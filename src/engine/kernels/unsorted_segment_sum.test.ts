import { test } from 'node:test';
import { tf } from '../tf.js';
import { buildRecommender } from '../../models/recommender.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

test('UnsortedSegmentSum with repeated, unordered and out-of-range ids matches cpu (float32 and int32)', async () => {
  const ids = [3, 0, 3, 5, 1, 0, 3, 9, -1];
  await assertWasmMatchesCpu(
    () => [
      tf.unsortedSegmentSum(
        tf.randomNormal([ids.length, 4, 2], 0, 1, 'float32', 1),
        tf.tensor1d(ids, 'int32'),
        6,
      ),
      tf.unsortedSegmentSum(
        tf.range(0, ids.length * 3, 1, 'int32').reshape([ids.length, 3]),
        tf.tensor1d(ids, 'int32'),
        6,
      ),
    ],
    { atol: 1e-6, rtol: 1e-6 },
    'unsortedSegmentSum',
  );
});

// The first dense layer widens (12 -> 20), so its weight gradient takes the swapped (Bᵀ·A)ᵀ path.
test('gradients of an embedding model (gather + dense) match cpu end to end', async () => {
  await assertWasmMatchesCpu(
    () => {
      const model = buildRecommender({ users: 13, items: 17, embedding: 6, hidden: [20, 5], seed: 4 });
      const users = tf.tensor2d([0, 3, 3, 12, 5, 0, 7, 3], [8, 1], 'int32');
      const items = tf.tensor2d([16, 2, 2, 0, 9, 9, 1, 4], [8, 1], 'int32');
      const ratings = tf.tensor2d([5, 3, 4, 1, 2, 5, 3, 4], [8, 1]);
      const { grads } = tf.variableGrads(() =>
        tf.losses.meanSquaredError(ratings, model.apply([users, items], { training: true }) as tf.Tensor),
      );
      const names = Object.keys(grads).sort();
      const out = names.map((name) => grads[name]);
      model.dispose();
      return out;
    },
    { atol: 1e-5, rtol: 1e-4 },
    'recommender gradients',
  );
});
