import { tf } from '../tf.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';

/**
 * Tile on the wasm backend computes every output index separately, which costs more than the
 * convolutions when a gradient broadcasts a per-channel or per-example tensor over a feature map
 * ([1, 1, 1, C] or [N, 1, 1, C] to [N, H, W, C]). The input's trailing axes that are not repeated
 * form contiguous blocks, and the output is made of copies of them: written here as block copies
 * in the wasm heap, or, when the whole input is one block, by doubling copies. Tilings into blocks
 * too small to copy one by one go to the built-in kernel.
 */
const MIN_BLOCK = 16;

function makeTile(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Tile kernel to build on');
  return (args: WasmKernelArgs) => {
    const { x } = args.inputs;
    const { reps } = args.attrs as { reps: number[] };
    const blockAxis = reps.findLastIndex((r) => r > 1) + 1;
    const block = tf.util.sizeFromShape(x.shape.slice(blockAxis));
    const single = x.shape.slice(0, blockAxis).every((size) => size === 1);
    if (!single && block < MIN_BLOCK) return builtin(args);
    const { backend } = args;
    const outShape = x.shape.map((size, i) => size * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    const target = backend.typedArrayFromHeap(out);
    const source = backend.typedArrayFromHeap(x);
    if (target.length === 0) return out;
    if (single) {
      target.set(source);
      for (let filled = source.length; filled < target.length; filled *= 2) {
        target.copyWithin(filled, 0, Math.min(filled, target.length - filled));
      }
    } else {
      copyBlocks(source, x.shape.slice(0, blockAxis), target, outShape.slice(0, blockAxis), block);
    }
    return out;
  };
}

/** Output block i (row-major over `outer`) is the input block at i's index modulo `shape`. */
function copyBlocks(
  source: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  target: Float32Array | Int32Array | Uint8Array,
  outer: number[],
  block: number,
): void {
  const strides = shape.map((_, i) => tf.util.sizeFromShape(shape.slice(i + 1)));
  const index = outer.map(() => 0);
  const count = tf.util.sizeFromShape(outer);
  for (let i = 0; i < count; i++) {
    const from = index.reduce((offset, v, axis) => offset + (v % shape[axis]) * strides[axis], 0) * block;
    target.set(source.subarray(from, from + block), i * block);
    for (let axis = outer.length - 1; axis >= 0 && ++index[axis] === outer[axis]; axis--) index[axis] = 0;
  }
}

export function registerTile(): void {
  overrideWasmKernel('Tile', makeTile);
}
