import type { StepFlops } from './flops.js';
import type { Random } from '../engine/random.js';

/** One training step, ready to run repeatedly on fixed synthetic inputs. */
export interface PreparedWorkload {
  /** forward + backward + optimizer update, with the loss read back to the CPU. */
  step(): number;
  dispose(): void;
  /** FLOPs of the step's matrix products and convolutions, where counted (for GFLOP/s). */
  flops?: StepFlops;
}

/** A speed workload of experiments.md ("rec-mlp", "cnn", "talking-step"). */
export interface Workload {
  name: string;
  /** Examples per step, for samples per second. */
  batch: number;
  prepare(random: Random): Promise<PreparedWorkload>;
}
