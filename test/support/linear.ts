import { tf, type LayersModel, type SymbolicTensor } from '../../src/engine/tf.js';

/** [kernel (inputs x units), bias (units)] of one dense layer. */
export type DenseWeights = [number[][], number[]];

/**
 * A model of linear dense layers with weights given by hand, for tests whose expected losses are
 * worked out on paper: layers `<name>_h1`, `<name>_h2`, .. and the last one `<name>_out`.
 */
export function linearModel(name: string, layers: DenseWeights[]): LayersModel {
  const input = tf.input({ shape: [layers[0][0].length], name: `${name}_x` });
  let x: SymbolicTensor = input;
  const dense = layers.map(([kernel], i) =>
    tf.layers.dense({
      units: kernel[0].length,
      name: i === layers.length - 1 ? `${name}_out` : `${name}_h${i + 1}`,
    }),
  );
  for (const layer of dense) x = layer.apply(x) as SymbolicTensor;
  dense.forEach((layer, i) => layer.setWeights([tf.tensor2d(layers[i][0]), tf.tensor1d(layers[i][1])]));
  return tf.model({ inputs: input, outputs: x, name });
}

export const identity2 = [
  [1, 0],
  [0, 1],
];

export const diagonal = (a: number, b: number) => [
  [a, 0],
  [0, b],
];
