import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.js';

/** How many threads a wasm backend computes on, as its binary's thread pool reports. */
export function wasmThreadsOf(backend: BackendWasm): number {
  return backend.wasm.tfjs.getThreadsCount();
}

/**
 * The threads the active backend computes on: for wasm as its thread pool reports them, 1 for
 * cpu, undefined for tensorflow (TensorFlow sizes its own pools). Apart from backend.ts so that
 * the core, which reports it, imports nothing from Node.
 */
export function backendThreads(): number | undefined {
  const name = tf.getBackend();
  if (name === 'wasm') return wasmThreadsOf(tf.backend() as BackendWasm);
  return name === 'cpu' ? 1 : undefined;
}
