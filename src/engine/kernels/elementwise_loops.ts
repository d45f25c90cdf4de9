import { ELEMENTWISE_SHARED_WASM, ELEMENTWISE_WASM } from './elementwise_wasm.js';
import { WasmLoops } from './wasm_loops.js';

interface Loops {
  affine(...args: number[]): void;
  relu(...args: number[]): void;
  reluGradient(...args: number[]): void;
  copyPixels(...args: number[]): void;
}

/**
 * The element-wise loops of elementwise.wat: per-channel maps (channel_affine.ts), relu and its
 * gradient (relu.ts), and the strided copy of convolution input gradients (conv_gradients.ts).
 * They run on the calling thread: passes over memory gained nothing from the loop threads, and in
 * a training step lost (batch norm's maps took 15 ms of a cnn step split over 2 threads, 8 on one),
 * the helper competing for the second core with XNNPACK's thread, which spins a while after each
 * convolution waiting for the next.
 */
export const elementwiseLoops = new WasmLoops<Loops>(ELEMENTWISE_WASM, ELEMENTWISE_SHARED_WASM);
