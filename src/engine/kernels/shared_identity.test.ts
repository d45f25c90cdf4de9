import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../tf.js';
import { initBackend } from '../backend.js';

test('Identity and same-dtype Cast share data; disposing either keeps the other readable', async () => {
  await initBackend('wasm');
  const before = tf.memory().numDataBuffers;
  const x = tf.tensor1d([1, 2, 3]);
  const copy = x.clone();
  const same = x.cast('float32');
  assert.equal(tf.memory().numDataBuffers - before, 1, 'one buffer for all three tensors');
  x.dispose();
  assert.deepEqual([...copy.dataSync()], [1, 2, 3]);
  copy.dispose();
  assert.deepEqual([...same.dataSync()], [1, 2, 3]);
  same.dispose();
  assert.equal(tf.memory().numDataBuffers, before);
});

test('Cast to another dtype still converts', async () => {
  await initBackend('wasm');
  const x = tf.tensor1d([1.7, -2.2]);
  assert.deepEqual([...x.cast('int32').dataSync()], [1, -2]);
});
