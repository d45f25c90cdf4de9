import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ELEMENTWISE_SHARED_WASM, ELEMENTWISE_WASM } from './elementwise_wasm.js';
import { loopThreadCount, splitEvenly, WasmLoops } from './wasm_loops.js';

interface Loops {
  affine(...args: number[]): void;
  relu(...args: number[]): void;
}

/** The element-wise loops of elementwise.wat: per-channel maps (channel_affine.ts) and relu (relu.ts). */
export const elementwiseLoops = new WasmLoops<Loops>(ELEMENTWISE_WASM, ELEMENTWISE_SHARED_WASM);

/**
 * Below this many elements the per-channel loop stays on the calling thread; at and above it, relu
 * is left to the backend's kernel (relu.ts). Starting the backend's second thread cost about
 * 0.25 ms, a pass over a dense layer's [1024, 256] activations 0.035 ms on one thread; where a
 * split over the loop threads starts to pay was not measured, so it is left to tensors of a few
 * megabytes.
 */
export const PARALLEL_SIZE = 1 << 19;

/** Ranges [first, count] of `items` for the loop threads: one range below PARALLEL_SIZE elements. */
export const threadRanges = (backend: BackendWasm, items: number, size: number) =>
  splitEvenly(items, size < PARALLEL_SIZE ? 1 : loopThreadCount(backend));
