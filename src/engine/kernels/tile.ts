import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';

/**
 * Tile on the wasm backend computes every output index separately; the batch-norm gradient tiles
 * a [1, 1, 1, C] tensor to a whole feature map, which then costs more than the convolutions. When
 * only leading size-1 axes are repeated, the output is one block repeated, written here by
 * doubling copies in the wasm heap. Other patterns go to the built-in kernel.
 */
function isRepeatedBlock(shape: number[], reps: number[]): boolean {
  const lastTiled = reps.findLastIndex((r) => r > 1);
  return shape.slice(0, lastTiled + 1).every((size) => size === 1);
}

function makeTile(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Tile kernel to build on');
  return (args: WasmKernelArgs) => {
    const { x } = args.inputs;
    const { reps } = args.attrs as { reps: number[] };
    if (!isRepeatedBlock(x.shape, reps)) return builtin(args);
    const { backend } = args;
    const out = backend.makeOutput(
      x.shape.map((size, i) => size * reps[i]),
      x.dtype,
    );
    const target = backend.typedArrayFromHeap(out);
    const block = backend.typedArrayFromHeap(x);
    if (target.length === 0) return out;
    target.set(block);
    for (let filled = block.length; filled < target.length; filled *= 2) {
      target.copyWithin(filled, 0, Math.min(filled, target.length - filled));
    }
    return out;
  };
}

export function registerTile(): void {
  overrideWasmKernel('Tile', makeTile);
}
