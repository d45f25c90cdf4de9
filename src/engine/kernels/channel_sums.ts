import { tf } from '../tf.js';
import { reshaped, Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';

/**
 * Sum and Mean over leading axes (per-channel reductions of NHWC tensors, all over batch-norm
 * gradients) on the wasm backend. Its own kernels first transpose the reduced axes innermost,
 * which costs 10x the reduction; an average pooling (XNNPACK) over one window covering every row
 * reads the data in place.
 */

/** Below this many elements the built-in kernels are as fast, and stay bit-identical to before. */
const MIN_SIZE = 4096;

/** The number of leading axes `axis` names, if it names exactly the first few axes; else 0. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = [axis]
    .flat()
    .map((a) => (a < 0 ? a + rank : a))
    .sort((a, b) => a - b);
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function makeReduction(kind: 'Sum' | 'Mean') {
  return (builtin: WasmKernelFunc | undefined): WasmKernelFunc => {
    if (!builtin) throw new Error(`The wasm backend has no ${kind} kernel to build on`);
    return (args: WasmKernelArgs) => {
      const { x } = args.inputs;
      const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
      const reduced = leadingAxes(axis, x.shape.length);
      const size = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || reduced === 0 || size < MIN_SIZE) return builtin(args);
      const rows = tf.util.sizeFromShape(x.shape.slice(0, reduced));
      const kept = x.shape.slice(reduced);
      const scratch = new Scratch(args.backend);
      const mean = scratch.run(
        'AvgPool',
        { x: reshaped(x, [1, rows, 1, size / rows]) },
        { filterSize: [rows, 1], strides: [1, 1], pad: 'valid' },
      );
      if (kind === 'Sum') {
        const values = args.backend.typedArrayFromHeap(mean);
        for (let i = 0; i < values.length; i++) values[i] *= rows;
      }
      const shape = keepDims ? [...x.shape.slice(0, reduced).map(() => 1), ...kept] : kept;
      return scratch.finish(reshaped(mean, shape));
    };
  };
}

export function registerChannelSums(): void {
  overrideWasmKernel('Sum', makeReduction('Sum'));
  overrideWasmKernel('Mean', makeReduction('Mean'));
}
