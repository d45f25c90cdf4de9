import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { elementwiseLoops } from './elementwise_loops.js';
import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';
import { heapPointer } from './wasm_loops.js';

/** Below this many elements relu runs as the loop; at and above it, as the backend's kernel. */
const PARALLEL_SIZE = 1 << 19;

/**
 * Relu on the wasm backend as a SIMD loop (elementwise.wat) on the calling thread, for sizes that
 * are a multiple of 4 and below PARALLEL_SIZE. On two threads the backend sends it to XNNPACK's
 * thread pool, and a [1024, 256] activation took 0.03 or 0.3 ms by turns (the start of the second
 * thread) against 0.035 ms for the loop. Larger tensors stay with the backend's clamp: split over
 * the loop threads, the loop showed no gain there (the cnn workload's relus took 5.6 ms a step
 * against 3.4 on the clamp in one profile; on one thread, 0.66 ms against 0.62 for a
 * [128, 32, 32, 16] tensor). The loop computes the same values as the clamp.
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
    elementwiseLoops.run(backend, 'relu', [[[heapPointer(backend, x), heapPointer(backend, out), size]]]);
    return out;
  };
}

export const RELU_GRADIENT = 'ReluGradient';

/** Inputs dy and x (float32, a multiple of 4 values); output dy * step(x), on the calling thread. */
function reluGradient({ inputs: { dy, x }, backend }: WasmKernelArgs): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, 'float32');
  elementwiseLoops.run(backend, 'reluGradient', [
    [
      [
        heapPointer(backend, dy),
        heapPointer(backend, x),
        heapPointer(backend, out),
        tf.util.sizeFromShape(x.shape),
      ],
    ],
  ]);
  return out;
}

/**
 * tfjs differentiates relu as mul(dy, cast(step(x))): three kernels and two full-size
 * intermediates (Step, Cast, Multiply: 7 ms of a 200 ms cnn step on wasm). On wasm one loop
 * computes the same values in one pass; elsewhere tfjs's composition runs. Gradients are shared
 * by all backends, so the cpu reference runs the composition the loop is checked against.
 */
function reluGradientConfig(): tf.GradConfig {
  return {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const gradient = dy as tf.Tensor;
        const fused =
          tf.getBackend() === 'wasm' &&
          x.dtype === 'float32' &&
          gradient.dtype === 'float32' &&
          x.size % 4 === 0 &&
          elementwiseLoops.bind(tf.backend() as BackendWasm) != null;
        return fused
          ? (tf.engine().runKernel(RELU_GRADIENT, { dy: gradient, x }) as tf.Tensor)
          : tf.mul(gradient, tf.cast(tf.step(x), 'float32'));
      },
    }),
  };
}

export function registerRelu(): void {
  overrideWasmKernel('Relu', makeRelu);
  overrideWasmKernel(RELU_GRADIENT, () => reluGradient);
  tf.registerGradient(reluGradientConfig());
}
