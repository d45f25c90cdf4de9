import { tf, type LayersModel, type SymbolicTensor } from '../../../engine/tf.js';
import { Random } from '../../../engine/random.js';

/** Settings of encoders and decoders (method.md: two dense layers, ReLU between, linear output). */
export interface ChannelShape {
  messageSize: number;
  depth: number;
  /** Hidden width; default max(dim, messageSize), at most MAX_DEFAULT_WIDTH. */
  width?: number;
  pooling: 'average' | 'flatten';
  decoderGrid: number;
}

function denseStack(
  x: SymbolicTensor,
  widths: number[],
  random: Random,
  prefix: string,
  zeroLast = false,
): SymbolicTensor {
  widths.forEach((units, i) => {
    const last = i === widths.length - 1;
    const seed = random.seedInt();
    x = tf.layers
      .dense({
        units,
        activation: last ? 'linear' : 'relu',
        kernelInitializer: last && zeroLast ? 'zeros' : tf.initializers.glorotUniform({ seed }),
        name: `${prefix}_dense_${i + 1}`,
      })
      .apply(x) as SymbolicTensor;
  });
  return x;
}

const isFeatureMap = (shape: number[]) => shape.length === 3;

/**
 * The default hidden width is capped: a flattened feature map (`pooling: 'flatten'`) of e.g.
 * 16x16x64 has dim 16384, and a 16384x16384 hidden layer (a gigabyte of weights) would run out of
 * memory or train for days. An explicit `width` is used as given.
 */
export const MAX_DEFAULT_WIDTH = 1024;

/** Widths of the dense stack: depth - 1 hidden layers of max(dim, m) (or `width`), then `out`. */
function stackWidths(channel: ChannelShape, dim: number, out: number): number[] {
  const hidden = channel.width ?? Math.min(Math.max(dim, channel.messageSize), MAX_DEFAULT_WIDTH);
  return [...new Array<number>(channel.depth - 1).fill(hidden), out];
}

/**
 * E: a model's state at one layer -> a message in R^m. A feature map is first pooled (global
 * average by default, so the message does not grow with the image) or flattened.
 */
export function buildEncoder(
  stateShape: number[],
  channel: ChannelShape,
  seed: number,
  name: string,
): LayersModel {
  const random = new Random(seed);
  const input = tf.input({ shape: stateShape, name: `${name}_state` });
  let x: SymbolicTensor = input;
  if (isFeatureMap(stateShape)) {
    x = (
      channel.pooling === 'average'
        ? tf.layers.globalAveragePooling2d({ name: `${name}_pool` })
        : tf.layers.flatten({ name: `${name}_flatten` })
    ).apply(x) as SymbolicTensor;
  } else if (stateShape.length !== 1) {
    x = tf.layers.flatten({ name: `${name}_flatten` }).apply(x) as SymbolicTensor;
  }
  const dim = x.shape[1] as number;
  const widths = stackWidths(channel, dim, channel.messageSize);
  return tf.model({ inputs: input, outputs: denseStack(x, widths, random, name), name });
}

/** How a decoder reads: the size of what it reads, and whether it starts at zero. */
export interface DecoderOptions {
  /** Default: the message size; the concat reading reads two messages side by side. */
  inputSize?: number;
  /** The last layer starts at zero, so the decoder first outputs 0 (the residual reading). */
  zeroInit?: boolean;
}

/**
 * D: a message -> a state of this model at one layer. For a feature map [H, W, C] the last dense
 * layer makes a g x g x C grid (g = decoderGrid, or H when smaller) that nearest-neighbour
 * upsampling brings to H x W: a dense layer onto the whole map would need H*W*C outputs.
 */
export function buildDecoder(
  stateShape: number[],
  channel: ChannelShape,
  seed: number,
  name: string,
  { inputSize = channel.messageSize, zeroInit = false }: DecoderOptions = {},
): LayersModel {
  const random = new Random(seed);
  const input = tf.input({ shape: [inputSize], name: `${name}_message` });
  const size = stateShape.reduce((a, b) => a * b, 1);
  if (!isFeatureMap(stateShape)) {
    const widths = stackWidths(channel, size, size);
    let x = denseStack(input, widths, random, name, zeroInit);
    if (stateShape.length !== 1)
      x = tf.layers.reshape({ targetShape: stateShape, name: `${name}_reshape` }).apply(x) as SymbolicTensor;
    return tf.model({ inputs: input, outputs: x, name });
  }
  const [height, width, channels] = stateShape;
  const grid = Math.min(channel.decoderGrid, height, width);
  if (height % grid !== 0 || width % grid !== 0) {
    throw new Error(
      `${name}: a ${height}x${width} feature map is not a multiple of the decoder grid ${grid}; set channel.decoderGrid`,
    );
  }
  const widths = stackWidths(channel, channels, grid * grid * channels);
  let x = denseStack(input, widths, random, name, zeroInit);
  x = tf.layers
    .reshape({ targetShape: [grid, grid, channels], name: `${name}_reshape` })
    .apply(x) as SymbolicTensor;
  if (grid !== height || grid !== width) {
    x = tf.layers
      .upSampling2d({ size: [height / grid, width / grid], name: `${name}_upsample` })
      .apply(x) as SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name });
}
