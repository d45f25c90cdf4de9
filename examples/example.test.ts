import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tf, loadModel } from '../src/index.js';
import { main } from './distill-your-own-models.js';

test('the example distills two user models and saves a student that predicts alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-example-'));
  try {
    await main(join(dir, 'student'));
    const student = await loadModel(join(dir, 'student'));
    const prediction = student.predict(tf.zeros([3, 4])) as tf.Tensor;
    assert.deepEqual(prediction.shape, [3, 1]);
    assert.ok(Array.from(prediction.dataSync()).every(Number.isFinite));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
