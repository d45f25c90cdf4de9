import { better } from '../distill/evaluate.js';
import type { EpochRecord } from '../distill/history.js';
import type { TuningChoice } from './tuning.js';

/** One trained and evaluated cell: a method on a task with a seed (experiments.md's rows). */
export interface ResultRow {
  method: string;
  task: string;
  seed: number;
  metric: 'rmse' | 'accuracy';
  value: number;
  /** Validation metric of the restored (best) epoch. */
  validation: number;
  epochs: number;
  bestEpoch: number;
  seconds: number;
  /**
   * Best validation metric of each preliminary fit the method made before the student's
   * (kd's fine-tuned teacher head, takd's assistant), by the fit's label: a weak source of targets
   * shows here.
   */
  preliminary?: Record<string, number>;
  /**
   * Set on a row not trained but taken from this tuning cell (its method's chosen candidate on the
   * same task and seed: the same training, bit for bit). Its seconds are that cell's, counted
   * under tuning in the report's cost table.
   */
  tuningCell?: string;
}

export interface SummaryRow {
  method: string;
  task: string;
  metric: 'rmse' | 'accuracy';
  mean: number;
  std: number;
  n: number;
}

/** The result JSON of experiments.md. */
export interface ResultFile {
  suite: string;
  dataset: string;
  backend: string;
  quick: boolean;
  config: unknown;
  command: string;
  started: string;
  seconds: number;
  /** The teacher's test metric `on` its own test data, and on each task where it applies. */
  teacher: { metric: 'rmse' | 'accuracy'; value: number; on: string; byTask: Record<string, number> };
  /**
   * Each tuned method's candidates and choice (protocol revision 2), and the tasks whose mean
   * validation chose; absent when tuning is off.
   */
  tuning?: { seed: number; tasks: string[]; choices: TuningChoice[] };
  rows: ResultRow[];
  summary: SummaryRow[];
}

/** A cell as stored on disk: its row and its learning curve, for plots. */
export interface CellRecord {
  row: ResultRow;
  history: Pick<EpochRecord, 'label' | 'phase' | 'epoch' | 'validation'>[];
}

/** Mean and sample standard deviation (n - 1) of each method on each task. */
export function summarize(rows: ResultRow[]): SummaryRow[] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const key = `${row.method}\u0000${row.task}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((group) => {
    const values = group.map((r) => r.value);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance =
      values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
    return {
      method: group[0].method,
      task: group[0].task,
      metric: group[0].metric,
      mean,
      std: Math.sqrt(variance),
      n: values.length,
    };
  });
}

/** The best validation metric of every fit but the student's, from a cell's history. */
export function preliminaryFits(history: CellRecord['history']): Record<string, number> {
  const best: Record<string, number> = {};
  for (const { label, validation } of history) {
    if (label === 'student' || !validation) continue;
    const known = best[label];
    if (known === undefined || better(validation.metric, validation.value, known))
      best[label] = validation.value;
  }
  return best;
}
