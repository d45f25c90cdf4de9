import type { StepFlops } from './flops.js';
import type { Random } from '../engine/random.js';

/** One step, ready to run repeatedly on fixed synthetic inputs. */
export interface PreparedWorkload {
  /**
   * A training step (forward + backward + optimizer update) with the loss read back to the CPU,
   * or for an inference workload a forward pass with its first output read back.
   */
  step(): number;
  dispose(): void;
  /** FLOPs of the step's matrix products and convolutions, where counted (for GFLOP/s). */
  flops?: StepFlops;
}

/** A speed workload: those of experiments.md ("rec-mlp", "cnn", "talking-step") and our own. */
export interface Workload {
  name: string;
  /** Examples per step, for samples per second. */
  batch: number;
  prepare(random: Random): Promise<PreparedWorkload>;
}
