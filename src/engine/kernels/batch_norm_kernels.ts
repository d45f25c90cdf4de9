import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor } from '../tf.js';
import { Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';
import { heapPointer, loopThreadCount, splitEvenly, WasmLoops } from './wasm_loops.js';
import { BATCH_NORM_TRAINING_SHARED_WASM, BATCH_NORM_TRAINING_WASM } from './batch_norm_training_wasm.js';

/**
 * The full-size passes of batch norm in training (`batchNormInTraining`) as SIMD loops
 * (batch_norm_training.wat) on the wasm backend, where tf ops take two to four kernels each and
 * write their intermediate tensors out:
 * - BatchNormCentre: x - mean and the per-channel sums of its squares (the variance), one pass;
 * - BatchNormGradientSums: the per-channel sums of dy and of dy * (x - mean), one read of both;
 * - BatchNormInputGradient: the input gradient, a per-channel map of dy and x - mean, one pass.
 * They split over the backend's threads by whole channels or rows, so that every value is computed
 * in the same order whatever the thread count.
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

/**
 * Runs a loop of per-channel sums over `rows` rows of `channels`, each thread over its own whole
 * groups of 4 channels: `args(c, width)` gives a part's arguments before rows, width and stride.
 */
function runByChannels(
  backend: BackendWasm,
  name: 'centre' | 'sums',
  rows: number,
  channels: number,
  args: (c: number, width: number) => number[],
): void {
  const parts = splitEvenly(channels / LANES, loopThreadCount(backend)).map(([first, count]) => [
    [...args(first * LANES, count * LANES), rows, count * LANES, channels],
  ]);
  loops.runParts(backend, name, parts);
}

/** A tensor's heap offset at channel `c` (of `perChannel` floats each). */
const pointer = (backend: BackendWasm, x: Info, c = 0, perChannel = 1) =>
  heapPointer(backend, x) + c * perChannel * 4;

/** Inputs x ([..., C]) and mean ([C]); outputs x - mean and the per-channel sums of its squares ([C]). */
function centre({ inputs: { x, mean }, backend }: WasmKernelArgs): Info[] {
  const [rows, channels] = rowsAndChannels(x);
  const scratch = new Scratch(backend);
  const partial = scratch.output([channels]);
  const centred = backend.makeOutput(x.shape, 'float32');
  const squareSum = backend.makeOutput([channels], 'float32');
  const at = (t: Info, c: number) => pointer(backend, t, c);
  runByChannels(backend, 'centre', rows, channels, (c) => [
    at(x, c),
    at(mean, c),
    at(centred, c),
    at(partial, c),
    at(squareSum, c),
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
  const at = (t: Info, c: number) => pointer(backend, t, c);
  runByChannels(backend, 'sums', rows, channels, (c) => [
    at(dy, c),
    at(centred, c),
    pointer(backend, partial, c, 2),
    at(outputs[0], c),
    at(outputs[1], c),
  ]);
  scratch.finish(outputs[0]);
  return outputs;
}

/** Inputs dy, centred ([..., C]) and a, b, d ([C]); output dy * a + centred * b + d. */
function inputGradient({ inputs: { dy, centred, a, b, d }, backend }: WasmKernelArgs): Info {
  const [rows, channels] = rowsAndChannels(dy);
  const out = backend.makeOutput(dy.shape, 'float32');
  const rowBytes = channels * 4;
  const at = (t: Info) => pointer(backend, t);
  const parts = splitEvenly(rows, loopThreadCount(backend)).map(([first, count]) => [
    [
      at(dy) + first * rowBytes,
      at(centred) + first * rowBytes,
      at(a),
      at(b),
      at(d),
      at(out) + first * rowBytes,
      count,
      channels,
    ],
  ]);
  loops.runParts(backend, 'inputGradient', parts);
  return out;
}

export function registerBatchNormKernels(): void {
  overrideWasmKernel(BATCH_NORM_CENTRE, () => centre);
  overrideWasmKernel(BATCH_NORM_SUMS, () => sums);
  overrideWasmKernel(BATCH_NORM_INPUT_GRADIENT, () => inputGradient);
}
