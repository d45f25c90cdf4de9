import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preliminaryFits, summarize, type ResultFile } from './results.js';
import { costTable, overallRanking, renderReport } from './report.js';
import { resultFile, resultRow as row } from '../../test/support/results.js';

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

test('the report headline says whether talking leads the best other method by a paired interval', () => {
  const rows = [0, 1, 2].flatMap((seed) => [
    row('student', 'A', seed, 1.0 + seed * 0.01),
    row('kd', 'A', seed, 0.95),
    row('talking', 'A', seed, 0.9 + seed * 0.001),
    // A control is never the rival, however good.
    row('talking-random-teacher', 'A', seed, 0.5),
  ]);
  const result = resultFile(rows);
  // talking vs kd: differences 0.05, 0.049, 0.048: mean 0.049, sd 0.001, half-width t(2) * 0.001 / sqrt(3).
  const report = renderReport(result, 't', []);
  assert.match(
    report,
    /`talking` against the best other method, `kd`: lead \+0\.0490 \[\+0\.0465, \+0\.0515\] over 3 task-seed pairs; the 95% interval excludes zero: `talking` leads `kd`\./,
  );
  assert.match(
    report,
    /\| talking-random-teacher \|[^\n]*\| talking \| \+0\.4010 /,
    "a control's rival is the best method other than itself",
  );
  assert.match(report, /## Controls: what the teacher's knowledge adds/);
  assert.match(
    report,
    /\| talking \| \*\*\+0\.1[0-9]+ \[/,
    'the lead over student is bold when it excludes zero',
  );

  const noisy = rows.map((r) => (r.method === 'kd' && r.seed === 1 ? { ...r, value: 0.7 } : r));
  assert.match(
    renderReport({ ...result, rows: noisy, summary: summarize(noisy) }, 't', []),
    /`talking` against the best other method, `kd`: lead [-+]0\.\d+ \[-0\.\d+, \+0\.\d+\] over 3 task-seed pairs; the 95% interval includes zero/,
  );
});

test('the report gives the validation metric of each preliminary fit, and cells record it from their history', () => {
  const history = [
    {
      label: 'teacher head',
      phase: 'main',
      epoch: 1,
      validation: { metric: 'accuracy' as const, value: 0.4 },
    },
    {
      label: 'teacher head',
      phase: 'main',
      epoch: 2,
      validation: { metric: 'accuracy' as const, value: 0.72 },
    },
    {
      label: 'teacher head',
      phase: 'main',
      epoch: 3,
      validation: { metric: 'accuracy' as const, value: 0.6 },
    },
    { label: 'student', phase: 'main', epoch: 1, validation: { metric: 'accuracy' as const, value: 0.9 } },
  ];
  assert.deepEqual(preliminaryFits(history), { 'teacher head': 0.72 });
  const rows = [
    { ...row('kd', 'A', 0, 0.8), preliminary: { 'teacher head': 0.72 } },
    { ...row('kd', 'A', 1, 0.8), preliminary: { 'teacher head': 0.44 } },
    row('student', 'A', 0, 0.8),
  ];
  const result = resultFile(rows);
  assert.match(renderReport(result, 't', []), /\| kd \| teacher head \| 0\.5800 \|/);
});

test("the cost table sums each method's training time in its tuning candidates and its rows", () => {
  const timed = (method: string, seed: number, seconds: number) => ({
    ...row(method, 'A', seed, 1),
    seconds,
  });
  const result = {
    ...resultFile([timed('student', 0, 60), timed('student', 1, 60), timed('talking', 0, 300)]),
    seconds: 600,
    tuning: {
      seed: 0,
      tasks: ['A'],
      choices: [{ method: 'talking', knob: 'reading', candidates: [], chosen: 'none', seconds: 180 }],
    },
  };
  // student 2 min of rows; talking 3 of tuning and 5 of rows: 2 / 10 and 8 / 10 of all.
  assert.deepEqual(costTable(result).slice(-3), [
    '| student | 0.0 | 2.0 | 20% |',
    '| talking | 3.0 | 5.0 | 80% |',
    '| all | 3.0 | 7.0 | 100% |',
  ]);
  assert.match(costTable(result)[2], /10\.0 minutes of wall time/);
  assert.doesNotMatch(costTable(result)[2], /taken/);
  assert.match(renderReport(result, 'x', []), /## Cost/);

  // talking's seed-1 row taken from its tuning cell (its 3 minutes are in tuning's 3) is not counted again.
  const taken = { ...timed('talking', 1, 180), tuningCell: 'talking@none' };
  const reused = { ...result, rows: [...result.rows, taken] };
  assert.deepEqual(costTable(reused).slice(-3), costTable(result).slice(-3));
  assert.match(costTable(reused)[2], /1 row at the tuning seed is the chosen candidate's tuning cell/);
});
