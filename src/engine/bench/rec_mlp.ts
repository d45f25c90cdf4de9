import { tf, type LayersModel } from '../tf.js';
import { buildRecommender } from '../../models/recommender.js';
import type { Workload } from './workload.js';

const USERS = 943;
const ITEMS = 1682;

/** experiments.md `rec-mlp`: E1's teacher (embeddings 64, dense 256-128-64, dense 1), MSE, Adam. */
export function recMlpWorkload(
  batch = 1024,
  model: { name: string; build: (seed: number) => LayersModel } = {
    name: 'rec-mlp',
    build: (seed) =>
      buildRecommender({ users: USERS, items: ITEMS, embedding: 64, hidden: [256, 128, 64], seed }),
  },
): Workload {
  return {
    name: model.name,
    batch,
    async prepare(random) {
      const built = model.build(random.seedInt());
      const users = tf.tensor2d(
        Int32Array.from({ length: batch }, () => random.int(USERS)),
        [batch, 1],
        'int32',
      );
      const items = tf.tensor2d(
        Int32Array.from({ length: batch }, () => random.int(ITEMS)),
        [batch, 1],
        'int32',
      );
      const ratings = tf.tensor2d(
        Float32Array.from({ length: batch }, () => 1 + random.int(5)),
        [batch, 1],
      );
      const optimizer = tf.train.adam(1e-3);
      return {
        step() {
          const loss = optimizer.minimize(
            () =>
              tf.losses.meanSquaredError(
                ratings,
                built.apply([users, items], { training: true }) as tf.Tensor,
              ),
            true,
          );
          const value = loss!.dataSync()[0];
          loss!.dispose();
          return value;
        },
        dispose() {
          tf.dispose([users, items, ratings]);
          optimizer.dispose();
          built.dispose();
        },
      };
    },
  };
}
