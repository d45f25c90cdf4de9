import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import { buildRecommender, type RecommenderConfig } from './recommender.js';

/**
 * One factorisation model whose output is exactly the mean of `members`' outputs: separately
 * trained factorisations (each built by `buildRecommender(config)`), side by side in a model of
 * `config.members = members.length`. Its layers are the members' with the same names, so that
 * methods cut it where they cut one member: `concat` holds every member's user vectors, item
 * vectors and biases, `factors` every member's products and biases, and `rating` reads them all
 * with each member's weights divided by the member count and the mean of their biases. A rating
 * clip applies after the mean, as it does after one member.
 *
 * `config` is the members' own, their output bias included: the assembled model's initialisers
 * are the untrained model a random-teacher control clones, which must start where each member did
 * (at the mean rating), not at 0.
 */
export function assembleMembers(
  members: LayersModel[],
  config: Omit<RecommenderConfig, 'members' | 'outputBias'> & { outputBias: number },
): LayersModel {
  const count = members.length;
  if (count === 0) throw new Error('assembleMembers: no members to assemble');
  const model = buildRecommender({ ...config, members: count });
  const weights = (layer: string) => members.map((m) => m.getLayer(layer).getWeights());
  const layers = ['user_embedding', 'item_embedding', ...(config.biases ? ['user_bias', 'item_bias'] : [])];
  tf.tidy(() => {
    for (const layer of layers) {
      // Member m's table is columns m * width .. (m + 1) * width - 1 of the assembled one.
      model.getLayer(layer).setWeights([
        tf.concat(
          weights(layer).map(([table]) => table),
          1,
        ),
      ]);
    }
    const rating = weights('rating');
    // buildRecommender refused a model without factors.
    const factors = config.factors!;
    const kernels = rating.map(([kernel]) => kernel);
    const products = kernels.map((k) => k.slice([0, 0], [factors, 1]));
    // After all products come the extras (user biases of every member, then item biases): the
    // extra e of member m is row e * count + m.
    const extras = kernels[0].shape[0] - factors;
    const extraRows =
      extras === 0
        ? []
        : [
            tf
              .stack(kernels.map((k) => k.slice([factors, 0], [extras, 1]).reshape([extras])))
              .transpose()
              .reshape([extras * count, 1]),
          ];
    const kernel = tf.concat([...products, ...extraRows], 0).div(count);
    const bias = tf.addN(rating.map(([, b]) => b)).div(count) as Tensor;
    model.getLayer('rating').setWeights([kernel, bias]);
  });
  return model;
}
