import { tf, type LayersModel, type SymbolicTensor } from '../../src/engine/tf.js';
import { buildResNet } from '../../src/models/resnet.js';

/** A seeded dense regression model for tests: `inputs` features, ReLU layers `widths`, one output; layers `<name>_h1`.. and `<name>_out`. */
export function denseModel(widths: number[], seed: number, name: string, inputs = 6): LayersModel {
  const input = tf.input({ shape: [inputs], name: `${name}_x` });
  let h: SymbolicTensor = input;
  widths.forEach((units, i) => {
    h = tf.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        name: `${name}_h${i + 1}`,
      })
      .apply(h) as SymbolicTensor;
  });
  const out = tf.layers.dense({
    units: 1,
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 50 }),
    name: `${name}_out`,
  });
  return tf.model({ inputs: input, outputs: out.apply(h) as SymbolicTensor, name });
}

/** A seeded residual net on small square images for tests (one block a stage). */
export function tinyResNet(
  widths: number[],
  classes: number,
  seed: number,
  { side = 8, channels = 3, name }: { side?: number; channels?: number; name?: string } = {},
): LayersModel {
  return buildResNet({ inputShape: [side, side, channels], widths, blocksPerStage: 1, classes, seed, name });
}
