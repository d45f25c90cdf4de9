import { summarize, type ResultFile, type ResultRow } from '../../src/experiments/results.js';

/** One cell's row with only what the report and statistics read; validation equals the test value. */
export const resultRow = (
  method: string,
  task: string,
  seed: number,
  value: number,
  metric: 'rmse' | 'accuracy' = 'rmse',
): ResultRow => ({
  method,
  task,
  seed,
  value,
  metric,
  validation: value,
  epochs: 1,
  bestEpoch: 1,
  seconds: 0,
});

/** A result file around `rows`, with their summary and a placeholder teacher, for rendering reports. */
export const resultFile = (rows: ResultRow[]): ResultFile =>
  ({
    rows,
    summary: summarize(rows),
    teacher: { metric: 'rmse', value: 0.5, on: 'its test', byTask: {} },
    config: {},
    seconds: 1,
  }) as unknown as ResultFile;
