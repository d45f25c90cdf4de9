import { tf, type LayersModel } from '../engine/tf.js';
import { Random } from '../engine/random.js';

/** A rating model of experiments.md: user and item embeddings, concatenated, then a dense tower. */
export interface RecommenderConfig {
  users: number;
  items: number;
  embedding: number;
  hidden: number[];
  seed: number;
  name?: string;
  /**
   * Initial bias of the rating output, best the mean training rating: starting near 0 puts every
   * prediction below the rating scale, where clipped validation RMSE cannot move and early
   * stopping ends training at once.
   */
  outputBias?: number;
}

/**
 * Builds the MovieLens rating model. Inputs are `user` and `item` (int32 ids, shape [batch, 1]:
 * tfjs-layers expands rank-1 inputs to rank 2); layers are named `user_embedding`,
 * `item_embedding`, `concat`, `dense_1`..`dense_k` and `rating` so that communication layers can
 * be named in configs. The output is the rating, shape [batch, 1].
 */
export function buildRecommender(config: RecommenderConfig): LayersModel {
  const random = new Random(config.seed);
  const init = () => tf.initializers.glorotUniform({ seed: random.seedInt() });
  const embeddingInit = () =>
    tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: random.seedInt() });
  const embed = (name: 'user' | 'item', count: number) => {
    const ids = tf.input({ shape: [1], dtype: 'int32', name });
    const vectors = tf.layers
      .embedding({
        inputDim: count,
        outputDim: config.embedding,
        embeddingsInitializer: embeddingInit(),
        name: `${name}_embedding`,
      })
      .apply(ids) as tf.SymbolicTensor;
    return { ids, vector: tf.layers.flatten({ name: `${name}_vector` }).apply(vectors) as tf.SymbolicTensor };
  };
  const user = embed('user', config.users);
  const item = embed('item', config.items);
  let h = tf.layers.concatenate({ name: 'concat' }).apply([user.vector, item.vector]) as tf.SymbolicTensor;
  config.hidden.forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: init(), name: `dense_${i + 1}` })
      .apply(h) as tf.SymbolicTensor;
  });
  const rating = tf.layers
    .dense({
      units: 1,
      kernelInitializer: init(),
      biasInitializer: tf.initializers.constant({ value: config.outputBias ?? 0 }),
      name: 'rating',
    })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [user.ids, item.ids], outputs: rating, name: config.name });
}
