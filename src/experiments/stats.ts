import jstat from 'jstat';
import type { ResultRow } from './results.js';

const { jStat } = jstat;

/**
 * One method's lead over another, paired by task and seed (the same data split, initialisation
 * and batch order on both sides), with a 95% paired-t interval. `lead` is positive when `method`
 * is better, whatever the metric's direction, so that one sign reads the same in every report.
 */
export interface PairedLead {
  method: string;
  against: string;
  /** Number of (task, seed) pairs both methods have. */
  n: number;
  lead: number;
  low: number;
  high: number;
  /** Whether the 95% interval lies wholly on one side of zero; never with fewer than 2 pairs. */
  excludesZero: boolean;
}

/** Mean and 95% paired-t interval of a list of differences (NaN bounds for fewer than 2). */
export function meanInterval(differences: number[]): { mean: number; low: number; high: number } {
  const n = differences.length;
  const mean = differences.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, low: NaN, high: NaN };
  const variance = differences.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1);
  const half = jStat.studentt.inv(0.975, n - 1) * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half };
}

const pairKey = (row: ResultRow) => `${row.task}\u0000${row.seed}`;

/**
 * `method`'s lead over `against` over the (task, seed) pairs both ran, optionally only on `task`;
 * undefined when they share no pair.
 */
export function pairedLead(
  rows: ResultRow[],
  method: string,
  against: string,
  task?: string,
): PairedLead | undefined {
  const pick = (name: string) =>
    new Map(
      rows
        .filter((r) => r.method === name && (task === undefined || r.task === task))
        .map((r) => [pairKey(r), r]),
    );
  const [own, other] = [pick(method), pick(against)];
  const differences = [...own].flatMap(([key, row]) => {
    const rival = other.get(key);
    if (!rival) return [];
    return [row.metric === 'rmse' ? rival.value - row.value : row.value - rival.value];
  });
  if (!differences.length) return undefined;
  const { mean, low, high } = meanInterval(differences);
  return {
    method,
    against,
    n: differences.length,
    lead: mean,
    low,
    high,
    excludesZero: low > 0 || high < 0,
  };
}

/** In words: whether a lead is shown, a loss is shown, or neither, by its interval. */
export function verdict(lead: PairedLead): 'leads' | 'loses' | 'no difference shown' {
  if (!lead.excludesZero) return 'no difference shown';
  return lead.lead > 0 ? 'leads' : 'loses';
}
