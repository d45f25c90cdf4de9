import { tf } from '../tf.js';
import { elementwiseLoops, threadRanges } from './channel_affine.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';
import { heapPointer } from './wasm_loops.js';

/**
 * Relu on the wasm backend as a SIMD loop (elementwise.wat) where the size is a multiple of 4: the
 * backend builds an XNNPACK clamp operator for every call, several times the cost of the pass
 * itself for a dense layer's activations. The loop computes the same values as the clamp.
 */
function makeRelu(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Relu kernel to build on');
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs;
    const size = tf.util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || size === 0 || size % 4 !== 0 || elementwiseLoops.bind(backend) == null) {
      return builtin(args);
    }
    const out = backend.makeOutput(x.shape, 'float32');
    const parts = threadRanges(backend, size / 4, size).map(([first, count]) => [
      [heapPointer(backend, x) + first * 16, heapPointer(backend, out) + first * 16, count * 4],
    ]);
    elementwiseLoops.runParts(backend, 'relu', parts);
    return out;
  };
}

export function registerRelu(): void {
  overrideWasmKernel('Relu', makeRelu);
}
