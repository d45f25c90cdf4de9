/**
 * Kernels the project registers on the wasm backend: training kernels that backend lacks, and
 * faster replacements for the slow ones. Each module registers itself through
 * `tf.registerKernel` the way tfjs registers its own kernels.
 */
let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  // Kernel modules add their registration calls here.
}
