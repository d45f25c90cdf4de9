import { tf, type LayersModel } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { FactorProduct } from './factor_product.js';

/**
 * A rating model of experiments.md: user and item embeddings, concatenated, then a dense tower,
 * a factorisation term, or both side by side.
 */
export interface RecommenderConfig {
  users: number;
  items: number;
  embedding: number;
  /** Units of the ReLU tower over the concatenation; empty for none. */
  hidden: number[];
  /** A learned bias per user and per item, concatenated after the two vectors. */
  biases?: boolean;
  /**
   * Leading dimensions of the user and item vectors that multiply elementwise (a factorisation
   * term, `FactorProduct`); 0 or absent for none.
   */
  factors?: number;
  /**
   * Room for this many factorisations side by side (default 1), for `assembleMembers`: every layer
   * holds all members (the embeddings and biases are this many times wider, `factors` has all
   * their products). Given at all, it needs a pure factorisation: `factors` and no tower.
   */
  members?: number;
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
 * `item_embedding`, (`user_bias`, `item_bias`,) `concat`, `dense_1`..`dense_k`, `factors`, `joint`
 * and `rating` so that communication layers can be named in configs. Everything the inputs give
 * goes through `concat`, so that the models can be cut there. The rating layer reads the last
 * dense layer, the factorisation term (`factors`: products and biases), or `joint`, their
 * concatenation when there are both. The output is the rating, shape [batch, 1].
 */
export function buildRecommender(config: RecommenderConfig): LayersModel {
  const members = config.members ?? 1;
  if (config.members !== undefined) checkMembers(config);
  const random = new Random(config.seed);
  const init = () => tf.initializers.glorotUniform({ seed: random.seedInt() });
  const embeddingInit = () =>
    tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: random.seedInt() });
  const embed = (name: 'user' | 'item', count: number) => {
    const ids = tf.input({ shape: [1], dtype: 'int32', name });
    const vectors = tf.layers
      .embedding({
        inputDim: count,
        outputDim: members * config.embedding,
        embeddingsInitializer: embeddingInit(),
        name: `${name}_embedding`,
      })
      .apply(ids) as tf.SymbolicTensor;
    return { ids, vector: tf.layers.flatten({ name: `${name}_vector` }).apply(vectors) as tf.SymbolicTensor };
  };
  const bias = (name: 'user' | 'item', ids: tf.SymbolicTensor, count: number) => {
    const value = tf.layers
      .embedding({
        inputDim: count,
        outputDim: members,
        embeddingsInitializer: 'zeros',
        name: `${name}_bias`,
      })
      .apply(ids) as tf.SymbolicTensor;
    return tf.layers.flatten({ name: `${name}_bias_value` }).apply(value) as tf.SymbolicTensor;
  };
  const user = embed('user', config.users);
  const item = embed('item', config.items);
  const parts = [user.vector, item.vector];
  if (config.biases) parts.push(bias('user', user.ids, config.users), bias('item', item.ids, config.items));
  const concat = tf.layers.concatenate({ name: 'concat' }).apply(parts) as tf.SymbolicTensor;
  let h = concat;
  config.hidden.forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: init(), name: `dense_${i + 1}` })
      .apply(h) as tf.SymbolicTensor;
  });
  const heads: tf.SymbolicTensor[] = [];
  if (config.factors) {
    const product = new FactorProduct({
      width: config.embedding,
      factors: config.factors,
      members,
      name: 'factors',
    });
    heads.push(product.apply(concat) as tf.SymbolicTensor);
  }
  if (config.hidden.length > 0 || heads.length === 0) heads.push(h);
  const penultimate =
    heads.length === 1
      ? heads[0]
      : (tf.layers.concatenate({ name: 'joint' }).apply(heads) as tf.SymbolicTensor);
  const output = tf.layers.dense({
    units: 1,
    kernelInitializer: init(),
    biasInitializer: tf.initializers.constant({ value: config.outputBias ?? 0 }),
    name: 'rating',
  });
  const rating = output.apply(penultimate) as tf.SymbolicTensor;
  if (config.factors) startAsFactorisation(output, members * (config.factors + (config.biases ? 2 : 0)));
  return tf.model({ inputs: [user.ids, item.ids], outputs: rating, name: config.name });
}

/** Whether a recommender shape is a factorisation and nothing else: the only shape that can have members. */
export const isPureFactorisation = (shape: Pick<RecommenderConfig, 'factors' | 'hidden'>): boolean =>
  !!shape.factors && shape.hidden.length === 0;

function checkMembers(config: RecommenderConfig): void {
  const { members, factors, hidden } = config;
  if (!Number.isInteger(members) || members! < 1)
    throw new Error(`buildRecommender: members must be a positive integer, got ${members}`);
  if (!isPureFactorisation(config)) {
    throw new Error(
      `buildRecommender: members need a pure factorisation (factors > 0, hidden: []), ` +
        `got factors ${factors ?? 0} and hidden [${hidden.join(', ')}]`,
    );
  }
}

/**
 * Sets the rating layer's weights on the factorisation columns (the first `columns` inputs) to 1,
 * so that the model starts as plain (biased) matrix factorisation: a random sign or scale there
 * would have to be unlearned first.
 */
function startAsFactorisation(output: tf.layers.Layer, columns: number): void {
  const [kernel, bias] = output.getWeights();
  const values = kernel.dataSync().slice();
  values.fill(1, 0, columns);
  const start = tf.tensor(values, kernel.shape);
  output.setWeights([start, bias]);
  start.dispose();
}
