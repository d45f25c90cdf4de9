import assert from 'node:assert/strict';
import { test } from 'node:test';
// This file runs in its own process (node --test), so the import below is the first backend choice.
import { defaultThreads, distill, tf } from '../src/index.js';

test('importing the library selects a fast backend, not tfjs’s cpu default, and distill() says which ran', async () => {
  assert.ok(['tensorflow', 'wasm'].includes(tf.getBackend()), tf.getBackend());
  const student = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  const rows = 8;
  const result = await distill({
    student,
    method: { name: 'student' },
    task: 'regression',
    data: {
      train: {
        size: rows,
        inputs: [{ values: new Float32Array(rows * 2).fill(1), shape: [2], dtype: 'float32' }],
        target: { values: new Float32Array(rows).fill(1), shape: [1], dtype: 'float32' },
      },
    },
    training: { epochs: 1, batchSize: 4 },
  });
  assert.equal(result.backend, tf.getBackend());
  if (result.backend === 'wasm')
    assert.equal(result.threads, Number(process.env.TALKING_MODELS_THREADS || defaultThreads()));
});
