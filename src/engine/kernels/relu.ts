import { tf } from '../tf.js';
import { elementwiseLoops, PARALLEL_SIZE } from './elementwise_loops.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';
import { heapPointer } from './wasm_loops.js';

/**
 * Relu on the wasm backend as a SIMD loop (elementwise.wat) on the calling thread, for sizes that
 * are a multiple of 4 and below PARALLEL_SIZE. On two threads the backend sends it to XNNPACK's
 * thread pool, and a [1024, 256] activation took 0.03 or 0.3 ms by turns (the start of the second
 * thread) against 0.035 ms for the loop. Larger tensors stay with the backend's clamp: split over
 * the loop threads, the loop showed no gain there (the cnn workload's relus took 5.6 ms a step
 * against 3.4 on the clamp in one profile). The loop computes the same values as the clamp.
 */
function makeRelu(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Relu kernel to build on');
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs;
    const size = tf.util.sizeFromShape(x.shape);
    if (
      x.dtype !== 'float32' ||
      size === 0 ||
      size % 4 !== 0 ||
      size >= PARALLEL_SIZE ||
      elementwiseLoops.bind(backend) == null
    ) {
      return builtin(args);
    }
    const out = backend.makeOutput(x.shape, 'float32');
    elementwiseLoops.runParts(backend, 'relu', [
      [[heapPointer(backend, x), heapPointer(backend, out), size]],
    ]);
    return out;
  };
}

export function registerRelu(): void {
  overrideWasmKernel('Relu', makeRelu);
}
