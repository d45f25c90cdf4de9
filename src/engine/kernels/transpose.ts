import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';

/** Rows of the input read per pass: the output rows being written stay in the L1 cache. */
const TILE = 16;

/**
 * Copies the `rows` x `cols` matrix at `from` in `x` to its transpose at `to` in `out`. Four
 * columns go at once, so that each strided read of a row feeds four output rows.
 */
function transposeMatrix(
  x: Float32Array | Int32Array,
  from: number,
  out: Float32Array | Int32Array,
  to: number,
  rows: number,
  cols: number,
): void {
  const fours = cols - (cols % 4);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c = 0; c < fours; c += 4) {
      let w0 = to + c * rows + r0;
      let w1 = w0 + rows;
      let w2 = w1 + rows;
      let w3 = w2 + rows;
      for (let r = r0, read = from + r0 * cols + c; r < r1; r++, read += cols) {
        out[w0++] = x[read];
        out[w1++] = x[read + 1];
        out[w2++] = x[read + 2];
        out[w3++] = x[read + 3];
      }
    }
    for (let c = fours; c < cols; c++) {
      let write = to + c * rows + r0;
      for (let r = r0, read = from + r0 * cols + c; r < r1; r++, read += cols) out[write++] = x[read];
    }
  }
}

/**
 * The matrix size when `perm` swaps the last two axes and keeps the leading ones in place (a
 * batch of matrices), once axes of size 1 are left out (they move no data); null otherwise.
 */
function batchedMatrixSwap(shape: number[], perm: number[]): { rows: number; cols: number } | null {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  const n = kept.length;
  if (n < 2) return null;
  const sorted = [...kept].sort((a, b) => a - b);
  for (let i = 0; i < n - 2; i++) if (kept[i] !== sorted[i]) return null;
  if (kept[n - 2] !== sorted[n - 1] || kept[n - 1] !== sorted[n - 2]) return null;
  return { rows: shape[sorted[n - 2]], cols: shape[sorted[n - 1]] };
}

/**
 * Whether `perm` keeps every axis longer than 1 in its order: the transpose then moves no data (as
 * [1, 64, 1] to [1, 1, 64], the weight of a one-unit layer in its gradient), and is a reshape.
 */
function movesNoData(shape: number[], perm: number[]): boolean {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  return kept.every((axis, i) => i === 0 || kept[i - 1] < axis);
}

/**
 * The wasm backend's Transpose walks every element through generic strides, about 9 ns each:
 * transposing a 1024x256 activation for a dense layer's weight gradient cost as much as the
 * product itself. Swapping the last two axes (the only transpose autodiff of matMul needs) is
 * done here in cache-sized tiles straight on the wasm heap, about seven times faster; every other
 * permutation, and bool data, stays with the built-in kernel, but those that move no data.
 */
function makeTranspose(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Transpose kernel to build on');
  return (args: WasmKernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const { perm } = attrs as { perm: number[] };
    const shape = perm.map((axis) => x.shape[axis]);
    // Shared as the Reshape kernel shares: the backend's own kernel copies, on its thread pool,
    // whose start costs more than the copy for small tensors (0.8 ms median for [1, 64, 1] on 2
    // threads).
    if (x.dtype !== 'string' && movesNoData(x.shape, perm)) {
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape, dtype: x.dtype };
    }
    const swap = x.dtype === 'float32' || x.dtype === 'int32' ? batchedMatrixSwap(x.shape, perm) : null;
    if (swap == null) return builtin(args);
    const out = backend.makeOutput(shape, x.dtype);
    // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
    const source = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const target = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
    const size = swap.rows * swap.cols;
    for (let offset = 0; offset < source.length; offset += size) {
      transposeMatrix(source, offset, target, offset, swap.rows, swap.cols);
    }
    return out;
  };
}

export function registerTranspose(): void {
  overrideWasmKernel('Transpose', makeTranspose);
}
