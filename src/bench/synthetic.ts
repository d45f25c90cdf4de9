import { tf, type Scalar } from '../engine/tf.js';
import type { Random } from '../engine/random.js';

/** MovieLens 100K's id ranges, which the rating workloads of experiments.md use. */
export const USERS = 943;
export const ITEMS = 1682;

/** A seeded batch of (user id, item id) pairs and integer ratings. */
export function ratingBatch(random: Random, batch: number) {
  const ids = (count: number) =>
    tf.tensor2d(
      Int32Array.from({ length: batch }, () => random.int(count)),
      [batch, 1],
      'int32',
    );
  const users = ids(USERS);
  const items = ids(ITEMS);
  const ratings = tf.tensor2d(
    Float32Array.from({ length: batch }, () => 1 + random.int(5)),
    [batch, 1],
  );
  return { users, items, ratings, all: [users, items, ratings] };
}

/** One timed step: forward, backward and update, with the loss read back as experiments.md asks. */
export function minimizeStep(
  optimizer: tf.Optimizer,
  loss: () => Scalar,
  variables?: tf.Variable[],
): () => number {
  return () => {
    const value = optimizer.minimize(loss, true, variables)!;
    const read = value.dataSync()[0];
    value.dispose();
    return read;
  };
}
