import { tf } from '../tf.js';
import { buildRecommender } from '../../models/recommender.js';
import { createTalking } from '../../communication/talking.js';
import { parseMethodConfig, type TalkingConfig } from '../../distill/config.js';
import type { Workload } from './workload.js';

const USERS = 943;
const ITEMS = 1682;

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
      const distiller = createTalking(parseMethodConfig({ name: 'talking' }) as TalkingConfig, {
        teacher,
        student,
        task: 'regression',
        train: { size: 0, inputs: [], target: { values: new Float32Array(0), shape: [1], dtype: 'float32' } },
        random,
        fit: async () => {},
      });
      const [phase] = distiller.phases;
      const variables = phase.groups.flatMap((g) => g.variables);
      const optimizer = tf.train.adam(1e-3);
      const batchOf = { inputs: [users, items], target: ratings, size: batch };
      return {
        step() {
          const loss = optimizer.minimize(
            () => tf.addN(Object.values(phase.losses(batchOf, { epoch: 0 }))) as tf.Scalar,
            true,
            variables,
          );
          const value = loss!.dataSync()[0];
          loss!.dispose();
          return value;
        },
        dispose() {
          tf.dispose([users, items, ratings]);
          optimizer.dispose();
          distiller.dispose();
          teacher.dispose();
          student.dispose();
        },
      };
    },
  };
}
