import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { elementwiseLoops } from './elementwise_loops.js';
import { reshaped, Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';
import { heapPointer } from './wasm_loops.js';

/**
 * Per-channel affine maps `x * scale[c] + shift[c]` on the wasm backend: batch norm, the
 * broadcasting element-wise ops of its gradient and a dense layer's bias are all such maps, and the
 * backend's own kernels for them are 4-20x slower (FusedBatchNorm is a plain loop, and binary ops
 * broadcast a [C] operand through a generic path). With channels a multiple of 4 they run as a SIMD
 * loop (elementwise.wat, on the calling thread); otherwise as a 1x1
 * depthwise convolution with bias (XNNPACK), which computes every value the same way, a product
 * then a sum, but on two threads starts the backend's thread pool for every call.
 */

type Info = tf.TensorInfo;

/** Below this many elements the built-in kernels are as fast, and stay bit-identical to before. */
const MIN_SIZE = 4096;

function affine(backend: BackendWasm, x: Info, scale: Float32Array, shift: Float32Array): Info {
  const channels = scale.length;
  const size = tf.util.sizeFromShape(x.shape);
  const rows = size / channels;
  const scratch = new Scratch(backend);
  if (channels % 4 === 0 && elementwiseLoops.bind(backend) != null) {
    const [s, b] = [scratch.tensor([channels], scale), scratch.tensor([channels], shift)];
    const out = backend.makeOutput(x.shape, 'float32');
    elementwiseLoops.run(backend, 'affine', [
      [
        [
          heapPointer(backend, x),
          heapPointer(backend, s),
          heapPointer(backend, b),
          heapPointer(backend, out),
          rows,
          channels,
        ],
      ],
    ]);
    return scratch.finish(out);
  }
  const out = scratch.run(
    'FusedDepthwiseConv2D',
    {
      x: reshaped(x, [1, rows, 1, channels]),
      filter: scratch.tensor([1, 1, channels, 1], scale),
      bias: scratch.tensor([channels], shift),
    },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', activation: 'linear' },
  );
  return scratch.finish(reshaped(out, x.shape));
}

/**
 * The values of `v` repeated per channel, if `v` broadcasts along the last axis only of a tensor
 * of shape `full` (a scalar, [C] or [1, ..., 1, C]); null otherwise.
 */
function perChannel(backend: BackendWasm, v: Info, full: number[]): Float32Array | null {
  const channels = full[full.length - 1];
  const size = tf.util.sizeFromShape(v.shape);
  if (v.dtype !== 'float32' || v.shape.length > full.length) return null;
  if (v.shape.slice(0, -1).some((d) => d !== 1)) return null;
  if (size !== 1 && size !== channels) return null;
  const values = backend.typedArrayFromHeap(v) as Float32Array;
  return size === channels ? Float32Array.from(values) : new Float32Array(channels).fill(values[0]);
}

type Op = 'Multiply' | 'Add' | 'Sub' | 'RealDiv';

/** `full op v` (or `v op full` when `vFirst`) as scale and shift, or null if it is not affine. */
function asAffine(op: Op, v: Float32Array, vFirst: boolean): [Float32Array, Float32Array] | null {
  const ones = () => new Float32Array(v.length).fill(1);
  const zeros = () => new Float32Array(v.length);
  switch (op) {
    case 'Multiply':
      return [v, zeros()];
    case 'Add':
      return [ones(), v];
    case 'Sub':
      return vFirst ? [ones().fill(-1), v] : [ones(), v.map((a) => -a)];
    case 'RealDiv':
      return vFirst ? null : [v.map((a) => 1 / a), zeros()];
  }
}

function makeBinary(op: Op) {
  return (builtin: WasmKernelFunc | undefined): WasmKernelFunc => {
    if (!builtin) throw new Error(`The wasm backend has no ${op} kernel to build on`);
    return (args: WasmKernelArgs) => {
      const { a, b } = args.inputs;
      for (const [full, v, vFirst] of [
        [a, b, false],
        [b, a, true],
      ] as const) {
        if (full.dtype !== 'float32' || full.shape.length === 0) continue;
        if (tf.util.sizeFromShape(full.shape) < MIN_SIZE) continue;
        const values = perChannel(args.backend, v, full.shape);
        const map = values && asAffine(op, values, vFirst);
        if (map) return affine(args.backend, full, ...map);
      }
      return builtin(args);
    };
  };
}

/** (x - mean) * scale / sqrt(variance + epsilon) + offset, folded into one scale and shift per channel. */
function makeBatchNorm(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no FusedBatchNorm kernel to build on');
  return (args: WasmKernelArgs) => {
    const { x, mean, variance, offset, scale } = args.inputs;
    const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
    if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < MIN_SIZE) return builtin(args);
    const channelValues = (v: Info | undefined, fill: number) =>
      v == null
        ? new Float32Array(x.shape[x.shape.length - 1]).fill(fill)
        : perChannel(args.backend, v, x.shape);
    const [m, s, o, g] = [
      channelValues(mean, 0),
      channelValues(variance, 1),
      channelValues(offset, 0),
      channelValues(scale, 1),
    ];
    if (!m || !s || !o || !g) return builtin(args);
    const factor = g.map((gamma, c) => gamma / Math.sqrt(s[c] + varianceEpsilon));
    return affine(
      args.backend,
      x,
      factor,
      o.map((beta, c) => beta - m[c] * factor[c]),
    );
  };
}

export function registerChannelAffine(): void {
  for (const op of ['Multiply', 'Add', 'Sub', 'RealDiv'] as const) overrideWasmKernel(op, makeBinary(op));
  overrideWasmKernel('FusedBatchNorm', makeBatchNorm);
}
