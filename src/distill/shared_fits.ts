import type { EpochRecord } from './history.js';

/**
 * Everything a preliminary fit depends on: its label, settings (JSON) and arrays (the teacher's
 * weights, the data). A cache derives its key from all of them, so that two fits with one key
 * are the same computation.
 */
export interface SharedFitKey {
  label: string;
  settings: unknown;
  arrays: ArrayBufferView[];
}

/** A finished preliminary fit: its trained weights and its epochs (for the report). */
export interface SharedFit {
  weights: Float32Array[];
  history: EpochRecord[];
}

/**
 * Preliminary fits that depend on no method setting (kd's teacher head), kept by key so that
 * every method of a run that needs one reads the same fit instead of repeating it. `get` returns
 * the kept fit for `key`, or runs `fit` and keeps its result. The key does not cover the run's
 * augmentation and preprocessing (functions): a cache serves one run's configuration.
 */
export interface SharedFits {
  get(key: SharedFitKey, fit: () => Promise<SharedFit>): Promise<SharedFit>;
}
