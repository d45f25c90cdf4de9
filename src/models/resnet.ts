import { tf, type LayersModel, type SymbolicTensor } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { Conv2D } from './conv2d.js';
import { FusedBatchNormalization } from './fused_batch_normalization.js';

/** A CIFAR-style residual network of experiments.md (ResNet-20: 3 blocks a stage; ResNet-8: 1). */
export interface ResNetConfig {
  inputShape: [number, number, number];
  /** Channels of the stem and of each stage, e.g. [16, 32, 64]; stage k > 0 halves the size. */
  widths: number[];
  blocksPerStage: number;
  classes: number;
  seed: number;
  name?: string;
}

/**
 * Builds the network. The output is the logits (no softmax), so that distillation losses can use
 * temperatures. Layer names: `stem_conv`, `stem_bn`, `stem_relu`, `stage{s}_block{b}_...` whose
 * last layer is `stage{s}_block{b}_out`, `pool` (global average: the penultimate representation)
 * and `logits`.
 */
export function buildResNet(config: ResNetConfig): LayersModel {
  const random = new Random(config.seed);
  const convInit = () => tf.initializers.heNormal({ seed: random.seedInt() });
  const conv = (x: SymbolicTensor, filters: number, kernel: number, strides: number, name: string) =>
    new Conv2D({
      filters,
      kernelSize: kernel,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: convInit(),
      name,
    }).apply(x) as SymbolicTensor;
  const bn = (x: SymbolicTensor, name: string) =>
    new FusedBatchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as SymbolicTensor;
  const relu = (x: SymbolicTensor, name: string) =>
    tf.layers.activation({ activation: 'relu', name }).apply(x) as SymbolicTensor;

  const input = tf.input({ shape: config.inputShape, name: 'image' });
  let x = relu(bn(conv(input, config.widths[0], 3, 1, 'stem_conv'), 'stem_bn'), 'stem_relu');
  let channels = config.widths[0];
  config.widths.forEach((width, s) => {
    for (let b = 0; b < config.blocksPerStage; b++) {
      const strides = s > 0 && b === 0 ? 2 : 1;
      const p = `stage${s + 1}_block${b + 1}`;
      let y = relu(bn(conv(x, width, 3, strides, `${p}_conv1`), `${p}_bn1`), `${p}_relu1`);
      y = bn(conv(y, width, 3, 1, `${p}_conv2`), `${p}_bn2`);
      const shortcut =
        strides !== 1 || channels !== width ? bn(conv(x, width, 1, strides, `${p}_proj`), `${p}_proj_bn`) : x;
      const sum = tf.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as SymbolicTensor;
      x = relu(sum, `${p}_out`);
      channels = width;
    }
  });
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as SymbolicTensor;
  const logits = tf.layers
    .dense({
      units: config.classes,
      kernelInitializer: tf.initializers.glorotUniform({ seed: random.seedInt() }),
      name: 'logits',
    })
    .apply(pooled) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: config.name });
}
