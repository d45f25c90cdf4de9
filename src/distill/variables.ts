import { tf, type LayersModel, type Variable } from '../engine/tf.js';

/** The tf.Variables behind layer weights, which optimizers and tf.variableGrads take. */
export function variablesOf(weights: tf.LayerVariable[]): Variable[] {
  return weights.map((w) => w.read() as Variable);
}

export function trainableVariables(...models: LayersModel[]): Variable[] {
  return models.flatMap((m) => variablesOf(m.trainableWeights));
}

/** Identity forward, zero gradient: the value is used as a fixed target. */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
