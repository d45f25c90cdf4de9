import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../engine/backend.js';
import { distill } from '../distill/distill.js';
import { denseModel } from '../distill/testing/models.js';
import { syntheticRegression } from '../distill/testing/synthetic.js';
import { formatEpoch, trainingProgress, type Bar } from './training_progress.js';

before(() => initBackend('cpu'));

test('an epoch line names the fit, phase, epoch, every loss term, the validation metric and the time', () => {
  const line = formatEpoch(
    {
      label: 'student',
      phase: 'main',
      epoch: 3,
      losses: { task: 0.51234, interact: 0.2 },
      validation: { metric: 'rmse', value: 0.61 },
      learningRate: 0.001,
      seconds: 1.23,
    },
    30,
  );
  assert.equal(line, 'student main epoch 3/30: task 0.5123, interact 0.2000 | val rmse 0.6100 | 1.2 s');
});

test('each epoch gets a bar over its batches, then one line; the loop notes pass through', async () => {
  const calls: string[] = [];
  const recorder = (label: string): Bar => ({
    start: (total, value, { task }) => calls.push(`start ${label} ${value}/${total} ${task}`),
    update: (value, { task }) => calls.push(`update ${value} ${task}`),
    stop: () => calls.push('stop'),
  });
  const lines: string[] = [];
  const data = syntheticRegression({ seed: 3, downstream: 40 }).downstream;
  await distill({
    student: denseModel([4], 1, 'tiny'),
    method: { name: 'student' },
    task: 'regression',
    data: { train: data.train, validation: data.validation },
    training: { epochs: 2, batchSize: 16, patience: 1 },
    events: trainingProgress({ log: (line) => lines.push(line), bar: recorder }),
  });
  const epoch = (e: number) => [
    `start student main 0/3 epoch ${e}/2`,
    ...[1, 2, 3].map((b) => `update ${b} epoch ${e}/2`),
    'stop',
  ];
  assert.deepEqual(calls, [...epoch(1), ...epoch(2)]);
  assert.equal(lines[0], 'student main: up to 2 epochs of 3 batches');
  assert.match(lines[1], /^student main epoch 1\/2: task \d+\.\d{4} \| val rmse \d+\.\d{4} \| \d+\.\d s$/);
  assert.match(lines[2], /^student main epoch 2\/2: /);
  assert.match(lines.at(-1)!, /restored the weights of epoch [12]/);
});
