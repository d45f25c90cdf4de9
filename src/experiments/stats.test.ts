import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanInterval, pairedLead, verdict } from './stats.js';
import { resultRow as row } from '../../test/support/results.js';

const close = (a: number, b: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(a - b) < tolerance, `${a} is not ${b}`);

test('the paired-t interval of 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653', () => {
  const { mean, low, high } = meanInterval([1, 2, 3]);
  const half = 4.302652729911275 / Math.sqrt(3);
  close(mean, 2, 1e-12);
  close(low, 2 - half);
  close(high, 2 + half);
});

test('with 30 pairs the interval uses t(0.975, 29) = 2.045230', () => {
  const d = Array.from({ length: 30 }, (_, i) => (i % 2 ? 1 : -1) * 0.01 + 0.02);
  const { mean, low } = meanInterval(d);
  const sd = Math.sqrt((30 * 0.0001) / 29);
  close(mean, 0.02, 1e-12);
  close(low, 0.02 - (2.045229642132704 * sd) / Math.sqrt(30));
});

test('one difference has no interval', () => {
  const { mean, low, high } = meanInterval([0.5]);
  assert.equal(mean, 0.5);
  assert.ok(Number.isNaN(low) && Number.isNaN(high));
});

test('a lead is positive when the method is better: lower RMSE, higher accuracy', () => {
  // talking's RMSE is 0.1, 0.2, 0.3 below kd's on the three (task, seed) pairs they share.
  const rmse = [
    row('kd', 'A', 0, 1.0),
    row('kd', 'A', 1, 1.0),
    row('kd', 'B', 0, 1.0),
    row('kd', 'B', 7, 5.0), // talking has no seed 7 on B: not a pair
    row('talking', 'A', 0, 0.9),
    row('talking', 'A', 1, 0.8),
    row('talking', 'B', 0, 0.7),
  ];
  const lead = pairedLead(rmse, 'talking', 'kd')!;
  assert.equal(lead.n, 3);
  close(lead.lead, 0.2, 1e-12);
  const half = (4.302652729911275 * 0.1) / Math.sqrt(3);
  close(lead.low, 0.2 - half);
  close(lead.high, 0.2 + half);
  assert.equal(lead.excludesZero, false, '0.2 - 0.248 < 0');
  assert.equal(verdict(lead), 'no difference shown');
  close(pairedLead(rmse, 'talking', 'kd', 'A')!.lead, 0.15, 1e-12);
  assert.equal(pairedLead(rmse, 'talking', 'kd', 'C'), undefined);

  const accuracy = [row('kd', 'A', 0, 0.5, 'accuracy'), row('talking', 'A', 0, 0.7, 'accuracy')];
  close(pairedLead(accuracy, 'talking', 'kd')!.lead, 0.2, 1e-12);
});

test('an interval wholly below zero is a loss, wholly above a lead', () => {
  const rows = [0, 1, 2, 3].flatMap((seed) => [
    row('kd', 'A', seed, 1.0),
    row('talking', 'A', seed, 1.02 + seed * 0.001),
  ]);
  const loss = pairedLead(rows, 'talking', 'kd')!;
  assert.ok(loss.high < 0);
  assert.equal(verdict(loss), 'loses');
  assert.equal(verdict(pairedLead(rows, 'kd', 'talking')!), 'leads');
});
