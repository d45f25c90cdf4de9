import { tf, type LayersModel } from '../engine/tf.js';
import { adam } from '../engine/optimizers.js';
import { buildRecommender } from '../models/recommender.js';
import { trainingFlops } from './flops.js';
import type { Workload } from './workload.js';
import { ITEMS, USERS, minimizeStep, ratingBatch } from './synthetic.js';

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
      const { users, items, ratings, all } = ratingBatch(random, batch);
      const optimizer = adam(1e-3);
      return {
        flops: trainingFlops(built, batch),
        step: minimizeStep(optimizer, () =>
          tf.losses.meanSquaredError(ratings, built.apply([users, items], { training: true }) as tf.Tensor),
        ),
        dispose() {
          tf.dispose(all);
          optimizer.dispose();
          built.dispose();
        },
      };
    },
  };
}
