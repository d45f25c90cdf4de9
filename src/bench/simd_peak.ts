import { decodeWasm } from '../engine/kernels/wasm_loops.js';
import { SIMD_PEAK_WASM } from './simd_peak_wasm.js';

/** Floating-point operations in one turn of simd_peak.wat's loop: 12 chains x 4 lanes x (multiply, add). */
const FLOPS_PER_TURN = 96;

const WARM_UP_MS = 100;

export interface SimdPeak {
  /** The best of `runs` timed runs, in GFLOP/s, on the calling thread. */
  gflopsOneCore: number;
  runs: number;
  turns: number;
}

/**
 * Measures WebAssembly SIMD's multiply-then-add rate on one core (simd_peak.wat): the ceiling of
 * any wasm kernel's products on this machine, against which the speed workloads' GFLOP/s show how
 * far they are from the limit. The best run counts, as preemption only ever slows one down.
 * Returns null where the engine has no SIMD.
 */
export function measureSimdPeak(runs = 7, turns = 2_000_000): SimdPeak | null {
  const bytes = decodeWasm(SIMD_PEAK_WASM);
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: 0 });
  const { multiplyAdds } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
    .exports as { multiplyAdds: (turns: number) => number };
  // V8 first runs wasm from its baseline compiler, at a third of the rate here, and swaps in the
  // optimized code at a later call once it is compiled in the background: calls go on until then.
  for (const start = performance.now(); performance.now() - start < WARM_UP_MS;) multiplyAdds(100_000);
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    if (!Number.isFinite(multiplyAdds(turns))) throw new Error('simd_peak: the chains left the finite range');
    best = Math.min(best, performance.now() - start);
  }
  return { gflopsOneCore: (turns * FLOPS_PER_TURN) / best / 1e6, runs, turns };
}
