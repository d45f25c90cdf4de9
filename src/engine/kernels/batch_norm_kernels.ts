import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor } from '../tf.js';
import { Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';
import { heapPointer, WasmLoops } from './wasm_loops.js';
import { BATCH_NORM_TRAINING_SHARED_WASM, BATCH_NORM_TRAINING_WASM } from './batch_norm_training_wasm.js';

/**
 * The full-size passes of batch norm in training (`batchNormInTraining`) as SIMD loops
 * (batch_norm_training.wat) on the wasm backend, where tf ops take two to four kernels each and
 * write their intermediate tensors out:
 * - BatchNormCentre: x - mean and the per-channel sums of its squares (the variance), one pass;
 * - BatchNormGradientSums: the per-channel sums of dy and of dy * (x - mean), one read of both;
 * - BatchNormInputGradient: the input gradient, a per-channel map of dy and x - mean, one pass.
 * They run on the calling thread, so every value is computed in the same order whatever the thread
 * count. Split over the backend's threads they were slower: by channels, two threads wrote halves
 * of the same cache lines (a row of 16 channels is one line), and the centring of a [128, 32, 32,
 * 16] tensor took 2.7 ms against 0.5 on one thread; by rows, the input gradient gained nothing
 * alone and lost in a training step (see elementwise_loops.ts).
 */

export const BATCH_NORM_CENTRE = 'BatchNormCentre';
export const BATCH_NORM_SUMS = 'BatchNormGradientSums';
export const BATCH_NORM_INPUT_GRADIENT = 'BatchNormInputGradient';

interface Loops {
  centre(...args: number[]): void;
  sums(...args: number[]): void;
  inputGradient(...args: number[]): void;
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

const rowsAndChannels = (x: Info) => {
  const channels = x.shape[x.shape.length - 1];
  return [tf.util.sizeFromShape(x.shape) / channels, channels];
};

/** Inputs x ([..., C]) and mean ([C]); outputs x - mean and the per-channel sums of its squares ([C]). */
function centre({ inputs: { x, mean }, backend }: WasmKernelArgs): Info[] {
  const [rows, channels] = rowsAndChannels(x);
  const scratch = new Scratch(backend);
  const partial = scratch.output([channels]);
  const centred = backend.makeOutput(x.shape, 'float32');
  const squareSum = backend.makeOutput([channels], 'float32');
  const at = (t: Info) => heapPointer(backend, t);
  loops.run(backend, 'centre', [
    [[at(x), at(mean), at(centred), at(partial), at(squareSum), rows, channels]],
  ]);
  scratch.finish(centred);
  return [centred, squareSum];
}

/** Inputs dy and centred ([..., C]); outputs sum(dy) and sum(dy * centred) over all axes but the last, [C] each. */
function sums({ inputs: { dy, centred }, backend }: WasmKernelArgs): Info[] {
  const [rows, channels] = rowsAndChannels(dy);
  const scratch = new Scratch(backend);
  const partial = scratch.output([2 * channels]);
  const outputs = [0, 1].map(() => backend.makeOutput([channels], 'float32'));
  const at = (t: Info) => heapPointer(backend, t);
  loops.run(backend, 'sums', [
    [[at(dy), at(centred), at(partial), at(outputs[0]), at(outputs[1]), rows, channels]],
  ]);
  scratch.finish(outputs[0]);
  return outputs;
}

/** Inputs dy, centred ([..., C]) and a, b, d ([C]); output dy * a + centred * b + d. */
function inputGradient({ inputs: { dy, centred, a, b, d }, backend }: WasmKernelArgs): Info {
  const [rows, channels] = rowsAndChannels(dy);
  const out = backend.makeOutput(dy.shape, 'float32');
  const at = (t: Info) => heapPointer(backend, t);
  loops.run(backend, 'inputGradient', [
    [[at(dy), at(centred), at(a), at(b), at(d), at(out), rows, channels]],
  ]);
  return out;
}

export function registerBatchNormKernels(): void {
  overrideWasmKernel(BATCH_NORM_CENTRE, () => centre);
  overrideWasmKernel(BATCH_NORM_SUMS, () => sums);
  overrideWasmKernel(BATCH_NORM_INPUT_GRADIENT, () => inputGradient);
}
