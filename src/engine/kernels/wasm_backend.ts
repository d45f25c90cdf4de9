import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/** The tfjs kernel-function signature, with the wasm backend. */
export type WasmKernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: BackendWasm;
  attrs?: Record<string, unknown>;
};
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/**
 * Replaces (or adds) a wasm kernel. `make` receives the backend's own implementation, if any, to
 * delegate to. tfjs refuses to register a kernel twice, so the built-in one is unregistered; its
 * setup function (which binds the wasm exports) is kept, or the built-in would never be bound.
 */
export function overrideWasmKernel(
  kernelName: string,
  make: (builtin: WasmKernelFunc | undefined) => WasmKernelFunc,
): void {
  const existing = tf.getKernel(kernelName, 'wasm');
  if (existing != null) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    setupFunc: existing?.setupFunc,
    disposeFunc: existing?.disposeFunc,
    kernelFunc: make(existing?.kernelFunc as WasmKernelFunc | undefined) as unknown as tf.KernelFunc,
  });
}

/** Swaps the last two axes with the wasm Transpose kernel (XNNPACK), returning a new tensor. */
export function transposeLastTwo(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc as unknown as WasmKernelFunc;
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}
