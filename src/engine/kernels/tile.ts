import { tf } from '../tf.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';

/**
 * Tile on the wasm backend computes every output index separately, which costs more than the
 * convolutions when a gradient broadcasts a per-channel or per-example tensor over a feature map
 * ([1, 1, 1, C] or [N, 1, 1, C] to [N, H, W, C]). The input's trailing axes that are not repeated
 * form contiguous blocks, and the output is made of copies of them: written here in the wasm heap
 * as block copies, each axis then repeated by doubling copies of what is already written. Tilings
 * into blocks too small to copy one by one go to the built-in kernel.
 */
const MIN_BLOCK = 16;

function makeTile(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Tile kernel to build on');
  return (args: WasmKernelArgs) => {
    const { x } = args.inputs;
    const { reps } = args.attrs as { reps: number[] };
    const blockAxis = reps.findLastIndex((r) => r > 1) + 1;
    const block = tf.util.sizeFromShape(x.shape.slice(blockAxis));
    const outer = x.shape.slice(0, blockAxis);
    if (block < MIN_BLOCK && outer.some((size) => size > 1)) return builtin(args);
    const { backend } = args;
    const outShape = x.shape.map((size, i) => size * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    const target = backend.typedArrayFromHeap(out);
    if (target.length > 0) {
      new BlockTiling(backend.typedArrayFromHeap(x), target, outer, reps, block).fill(0, 0, 0);
    }
    return out;
  };
}

type Values = Float32Array | Int32Array | Uint8Array;

/** Writes the tiling of `source` (`outer` axes of `block` values) by `reps` into `target`. */
class BlockTiling {
  /** Values of the input and of the output per step of each outer axis. */
  private readonly sourceStrides: number[];
  private readonly targetStrides: number[];

  constructor(
    private readonly source: Values,
    private readonly target: Values,
    private readonly outer: number[],
    private readonly reps: number[],
    private readonly block: number,
  ) {
    const strides = (sizes: number[]) =>
      sizes.map((_, i) => tf.util.sizeFromShape(sizes.slice(i + 1)) * block);
    this.sourceStrides = strides(outer);
    this.targetStrides = strides(outer.map((size, i) => size * reps[i]));
  }

  /**
   * Fills the output's part from axis `axis` on at `to`, from the input's at `from`: each input
   * slice along the axis once, then those slices repeated, the written span doubling each copy.
   */
  fill(axis: number, from: number, to: number): void {
    if (axis === this.outer.length) {
      this.target.set(this.source.subarray(from, from + this.block), to);
      return;
    }
    const [sourceStride, targetStride] = [this.sourceStrides[axis], this.targetStrides[axis]];
    for (let i = 0; i < this.outer[axis]; i++)
      this.fill(axis + 1, from + i * sourceStride, to + i * targetStride);
    const span = this.outer[axis] * targetStride;
    const total = span * this.reps[axis];
    for (let filled = span; filled < total; filled *= 2) {
      this.target.copyWithin(to + filled, to, to + Math.min(filled, total - filled));
    }
  }
}

export function registerTile(): void {
  overrideWasmKernel('Tile', makeTile);
}
