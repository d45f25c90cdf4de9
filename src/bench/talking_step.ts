import { tf, type Scalar } from '../engine/tf.js';
import { adam } from '../engine/optimizers.js';
import { buildRecommender } from '../models/recommender.js';
import { createTalking } from '../distill/methods/talking/talking.js';
import type { TalkingConfig } from '../distill/methods/talking/config.js';
import { parseMethodConfig } from '../distill/methods/registry.js';
import type { Workload } from './workload.js';
import { ITEMS, USERS, minimizeStep, ratingBatch } from './synthetic.js';

/**
 * experiments.md `talking-step`: one `talking` training step (default options) of E1's teacher
 * (embeddings 64, dense 256-128-64) and student (embeddings 8, dense 32-16), frozen teacher, Adam.
 */
export function talkingStepWorkload(batch = 1024): Workload {
  return {
    name: 'talking-step',
    batch,
    async prepare(random) {
      const teacher = buildRecommender({
        users: USERS,
        items: ITEMS,
        embedding: 64,
        hidden: [256, 128, 64],
        seed: random.seedInt(),
      });
      const student = buildRecommender({
        users: USERS,
        items: ITEMS,
        embedding: 8,
        hidden: [32, 16],
        seed: random.seedInt(),
      });
      const { users, items, ratings, all } = ratingBatch(random, batch);
      const distiller = createTalking(parseMethodConfig({ name: 'talking' }) as TalkingConfig, {
        teacher,
        student,
        task: 'regression',
        train: { size: 0, inputs: [], target: { values: new Float32Array(0), shape: [1], dtype: 'float32' } },
        random,
        seedRandom: random,
        fit: async () => {},
        fitShared: async () => {},
      });
      const [phase] = distiller.phases;
      const optimizer = adam(1e-3);
      const batchOf = { inputs: [users, items], target: ratings, size: batch };
      return {
        step: minimizeStep(
          optimizer,
          () => tf.addN(Object.values(phase.losses(batchOf, { epoch: 0 }))) as Scalar,
          phase.groups.flatMap((g) => g.variables),
        ),
        dispose() {
          tf.dispose(all);
          optimizer.dispose();
          distiller.dispose();
          teacher.dispose();
          student.dispose();
        },
      };
    },
  };
}
