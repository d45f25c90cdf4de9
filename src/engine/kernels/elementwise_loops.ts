import { ELEMENTWISE_SHARED_WASM, ELEMENTWISE_WASM } from './elementwise_wasm.js';
import { WasmLoops } from './wasm_loops.js';

interface Loops {
  affine(...args: number[]): void;
  relu(...args: number[]): void;
  reluGradient(...args: number[]): void;
  copyPixels(...args: number[]): void;
  zeroRuns(...args: number[]): void;
  accumulate(...args: number[]): void;
}

/**
 * The element-wise loops of elementwise.wat: per-channel maps (channel_affine.ts), relu and its
 * gradient (relu.ts), and the strided copies, zeroing and sums of the convolution gradients
 * (conv_gradients.ts).
 * They run on the calling thread: passes over memory gained nothing from the loop threads, and in
 * a training step lost (batch norm's input gradient and map took 15-16 ms of a cnn step split over
 * 2 threads, about 8 on one), the helper sharing the second core with XNNPACK's worker thread,
 * which spins a while after each product or convolution before it sleeps.
 */
export const elementwiseLoops = new WasmLoops<Loops>(ELEMENTWISE_WASM, ELEMENTWISE_SHARED_WASM);
