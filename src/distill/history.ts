import type { Metric } from './evaluate.js';

/** One epoch as metrics.jsonl records it. */
export interface EpochRecord {
  /** The fit this epoch belongs to (e.g. "student", "teacher head", "assistant"). */
  label: string;
  phase: string;
  /** 1-based epoch within the phase. */
  epoch: number;
  /** Mean of each (weighted) loss term over the epoch's batches. */
  losses: Record<string, number>;
  validation?: Metric;
  learningRate: number;
  seconds: number;
}
