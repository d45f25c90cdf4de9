import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor } from '../tf.js';
import { Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';
import { heapPointer, WasmLoops } from './wasm_loops.js';
import { BATCH_NORM_TRAINING_SHARED_WASM, BATCH_NORM_TRAINING_WASM } from './batch_norm_training_wasm.js';

/**
 * Batch norm in training (`batchNormInTraining`) as two kernels of SIMD loops
 * (batch_norm_training.wat) on the wasm backend, where tf ops take a dozen kernels a layer each
 * way, most of them on [C] tensors, and write intermediate tensors out:
 * - BatchNormTraining: the batch's mean, variance and 1 / sqrt(variance + epsilon) and the
 *   normalized output, in three passes over x;
 * - BatchNormTrainingGradient: the gradients by x, gamma and beta, in two passes over dy and x.
 * The gradient reads x and the mean, not a saved x - mean: one tensor less written in the forward
 * pass. They run on the calling thread, so every value is computed in the same order whatever the
 * thread count. Split over the backend's threads they were slower: by channels, two threads wrote
 * halves of the same cache lines (a row of 16 channels is one line), and the centring of a [128,
 * 32, 32, 16] tensor took 2.7 ms against 0.5 on one thread; by rows, the input gradient gained
 * nothing alone and lost in a training step (see elementwise_loops.ts).
 */

export const BATCH_NORM_TRAINING = 'BatchNormTraining';
export const BATCH_NORM_TRAINING_GRADIENT = 'BatchNormTrainingGradient';
export const MOVING_AVERAGES = 'BatchNormMovingAverages';

interface Loops {
  forward(...args: number[]): void;
  gradient(...args: number[]): void;
}

const loops = new WasmLoops<Loops>(BATCH_NORM_TRAINING_WASM, BATCH_NORM_TRAINING_SHARED_WASM);

/** Below this many elements tf ops are as fast (as for the kernel pack's per-channel kernels). */
const MIN_SIZE = 4096;
/** The loops take four channels at a time. */
const LANES = 4;

/**
 * Whether the loops take a batch norm over `x`'s last axis: on the wasm backend with SIMD,
 * channels a multiple of 4 and x large enough. Elsewhere tf ops compute the same.
 */
export function canFuseBatchNorm(x: Tensor): boolean {
  const channels = x.shape[x.shape.length - 1];
  return (
    tf.getBackend() === 'wasm' &&
    x.dtype === 'float32' &&
    channels % LANES === 0 &&
    x.size >= MIN_SIZE &&
    loops.bind(tf.backend() as BackendWasm) != null
  );
}

type Info = tf.TensorInfo;

/** The loops' arguments: [rows, channels] of `x`, and heap offsets. */
function layout(backend: BackendWasm, x: Info) {
  const channels = x.shape[x.shape.length - 1];
  return {
    rows: tf.util.sizeFromShape(x.shape) / channels,
    channels,
    at: (t: Info) => heapPointer(backend, t),
  };
}

/** Inputs x ([..., C]), gamma and beta ([C]), attribute epsilon; outputs y, mean, variance, inverseDeviation. */
function forward({ inputs: { x, gamma, beta }, backend, attrs }: WasmKernelArgs): Info[] {
  const { rows, channels, at } = layout(backend, x);
  const scratch = new Scratch(backend);
  const rowsOfScratch = scratch.output([2 * channels]);
  const y = backend.makeOutput(x.shape, 'float32');
  const statistics = [0, 1, 2].map(() => backend.makeOutput([channels], 'float32'));
  loops.run(backend, 'forward', [
    [
      [
        at(x),
        at(gamma),
        at(beta),
        at(rowsOfScratch),
        at(y),
        ...statistics.map(at),
        rows,
        channels,
        attrs!.epsilon as number,
      ],
    ],
  ]);
  scratch.finish(y);
  return [y, ...statistics];
}

/** Inputs dy, x ([..., C]), mean, gamma, inverseDeviation ([C]); outputs dx, dGamma, dBeta. */
function gradient({ inputs: { dy, x, mean, gamma, inverseDeviation }, backend }: WasmKernelArgs): Info[] {
  const { rows, channels, at } = layout(backend, dy);
  const scratch = new Scratch(backend);
  const rowsOfScratch = scratch.output([7 * channels]);
  const dx = backend.makeOutput(dy.shape, 'float32');
  const [dGamma, dBeta] = [0, 1].map(() => backend.makeOutput([channels], 'float32'));
  loops.run(backend, 'gradient', [
    [[...[dy, x, mean, gamma, inverseDeviation, rowsOfScratch, dx, dGamma, dBeta].map(at), rows, channels]],
  ]);
  scratch.finish(dx);
  return [dx, dGamma, dBeta];
}

/**
 * Inputs movingMean, movingVariance, mean and variance ([C]), attribute momentum; outputs
 * moving - (moving - batch) * (1 - momentum) for the mean and the variance, rounded to float32 after
 * each operation as tf's Sub, Multiply and Sub compute it (a float32 operation is its float64
 * result rounded). One kernel instead of six a layer: on [C] tensors the engine's work per kernel
 * is all there is.
 */
function movingAverages({ inputs, backend, attrs }: WasmKernelArgs): Info[] {
  const weight = Math.fround(1 - (attrs!.momentum as number));
  const pairs = [
    [inputs.movingMean, inputs.mean],
    [inputs.movingVariance, inputs.variance],
  ];
  const outputs = pairs.map(([moving]) => backend.makeOutput(moving.shape, 'float32'));
  pairs.forEach(([moving, batch], k) => {
    const [old, value, out] = [moving, batch, outputs[k]].map((t) => backend.typedArrayFromHeap(t));
    for (let i = 0; i < out.length; i++) {
      out[i] = old[i] - Math.fround(Math.fround(old[i] - value[i]) * weight);
    }
  });
  return outputs;
}

export function registerBatchNormKernels(): void {
  overrideWasmKernel(MOVING_AVERAGES, () => movingAverages);
  overrideWasmKernel(BATCH_NORM_TRAINING, () => forward);
  overrideWasmKernel(BATCH_NORM_TRAINING_GRADIENT, () => gradient);
}
