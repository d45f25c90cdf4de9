import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize, type ResultFile, type ResultRow } from './results.js';
import { overallRanking, renderReport } from './report.js';

const row = (method: string, task: string, seed: number, value: number): ResultRow => ({
  method,
  task,
  seed,
  value,
  metric: 'rmse',
  validation: value,
  epochs: 1,
  bestEpoch: 1,
  seconds: 0,
});

test('summaries: mean and sample standard deviation per method and task', () => {
  const [s] = summarize([row('kd', 'A', 0, 1), row('kd', 'A', 1, 2), row('kd', 'A', 2, 4)]);
  // mean 7/3; deviations -4/3, -1/3, 5/3; squares sum 42/9; / (n - 1) = 7/3
  assert.ok(Math.abs(s.mean - 7 / 3) < 1e-12);
  assert.ok(Math.abs(s.std - Math.sqrt(7 / 3)) < 1e-12);
  assert.equal(s.n, 3);
});

test('the overall ranking sorts by mean over tasks and seeds, with the spread of per-seed means', () => {
  const rows = [
    row('student', 'A', 0, 1.0),
    row('student', 'B', 0, 0.8),
    row('student', 'A', 1, 1.2),
    row('student', 'B', 1, 1.0),
    row('talking', 'A', 0, 0.9),
    row('talking', 'B', 0, 0.7),
    row('talking', 'A', 1, 0.9),
    row('talking', 'B', 1, 0.9),
    // Missing a task: left out of the ranking.
    row('kd', 'A', 0, 0.1),
  ];
  const ranking = overallRanking({ rows } as ResultFile);
  assert.deepEqual(
    ranking.map((r) => r.method),
    ['talking', 'student'],
  );
  // talking: per-seed means 0.8 and 0.9, overall 0.85, std sqrt(2 * 0.05^2 / 1) = 0.0707
  assert.ok(Math.abs(ranking[0].mean - 0.85) < 1e-12);
  assert.ok(Math.abs(ranking[0].seedStd - Math.sqrt(0.005)) < 1e-12);
});

test('the report says whether talking beats the best other method by more than the seed spread', () => {
  const rows = [
    row('student', 'A', 0, 1.0),
    row('student', 'A', 1, 1.2),
    row('talking', 'A', 0, 0.9),
    row('talking', 'A', 1, 0.9),
    row('kd', 'A', 0, 0.95),
    row('kd', 'A', 1, 0.95),
  ];
  const result = {
    rows,
    summary: summarize(rows),
    teacher: { metric: 'rmse', value: 0.5, on: 'its test', byTask: {} },
    config: {},
    seconds: 1,
  } as unknown as ResultFile;
  // kd is the best rival: 0.05 behind talking, with no spread on either side.
  assert.match(
    renderReport(result, 't', []),
    /best other method, `kd`: ahead by 0\.0500, seed spread 0\.0000; `talking` beats every other method/,
  );
  const close = rows.map((r) => (r.method === 'kd' && r.seed === 1 ? { ...r, value: 0.8 } : r));
  // kd now 0.875 on average: talking is behind by 0.025.
  assert.match(
    renderReport({ ...result, rows: close, summary: summarize(close) }, 't', []),
    /`kd`: behind by 0\.0250, seed spread 0\.1061; `talking` does not beat every other method/,
  );
});
