import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differencesToStudent, learningCurves, methodColour, toSvg } from './plots.js';
import { resultRow as row } from '../../test/support/results.js';
import { METHODS } from '../distill/methods/registry.js';

test('each method keeps one colour in every plot, whichever methods a run has', () => {
  const rows = [0, 1].flatMap((seed) =>
    ['student', 'kd', 'talking', 'my-variant'].map((m, i) => row(m, 'A', seed, 1 - i * 0.01 - seed * 0.001)),
  );
  const scales = [
    differencesToStudent({ rows }),
    differencesToStudent({ rows: rows.filter((r) => r.method !== 'kd') }),
    learningCurves(rows.map((r) => ({ row: r, history: [] }))),
  ].map((spec) => JSON.stringify(spec));
  for (const method of ['kd', 'talking', 'my-variant']) {
    const colour = methodColour(method);
    for (const spec of scales.filter((s) => s.includes(`"${method}"`))) assert.ok(spec.includes(colour));
  }
  assert.equal(methodColour('kd'), METHODS.kd.colour);
  assert.equal(methodColour('kd-random-teacher'), '#ffbb78', "a lighter tint of kd's");
  assert.equal(methodColour('my-variant'), methodColour('my-variant'));
  assert.notEqual(methodColour('talking'), methodColour('kd'));
});

test('the differences plot draws each lead over student with its interval, per task and over all', async () => {
  const rows = [0, 1, 2].flatMap((seed) => [
    row('student', 'A', seed, 1.0),
    row('student', 'B', seed, 1.0),
    row('talking', 'A', seed, 0.98 - seed * 0.001),
    row('talking', 'B', seed, 1.01),
  ]);
  const spec = differencesToStudent({ rows }) as unknown as { data: { values: Record<string, unknown>[] } };
  const values = spec.data.values;
  assert.deepEqual(
    values.map((v) => v.task),
    ['A', 'B', 'all'],
  );
  assert.ok(Math.abs((values[0].lead as number) - 0.021) < 1e-12);
  assert.ok((values[0].low as number) < 0.021 && (values[0].high as number) > 0.021);
  assert.equal(values[1].low, values[1].high, 'no spread: a zero-width interval');
  const svg = await toSvg(differencesToStudent({ rows }));
  assert.match(svg, /^<svg/);
  assert.ok(svg.includes(methodColour('talking')));
});
