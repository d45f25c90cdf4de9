import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { cnnWorkload } from './cnn.js';
import { recMlpWorkload } from './rec_mlp.js';
import { forwardFlops, trainingFlops } from './flops.js';
import { teacherForwardWorkload } from './teacher_forward.js';

const dense = (batch: number, inputs: number, outputs: number, passes: number) =>
  2 * batch * inputs * outputs * passes;
const conv = (batch: number, size: number, kernel: number, cin: number, cout: number, passes: number) =>
  2 * batch * size * size * kernel * kernel * cin * cout * passes;

test('rec-mlp: every dense layer runs three products, since the embeddings below it train', async () => {
  const prepared = await recMlpWorkload(1024).prepare(new Random(0));
  const b = 1024;
  assert.deepEqual(prepared.flops, {
    matmul: dense(b, 128, 256, 3) + dense(b, 256, 128, 3) + dense(b, 128, 64, 3) + dense(b, 64, 1, 3),
    conv: 0,
  });
  prepared.dispose();
});

test('cnn: the stem convolution reads only images, so it has no input-gradient product', async () => {
  const prepared = await cnnWorkload(128).prepare(new Random(0));
  const b = 128;
  const convs =
    conv(b, 32, 3, 3, 16, 2) + // stem
    conv(b, 32, 3, 16, 16, 3) * 2 + // stage 1
    conv(b, 16, 3, 16, 32, 3) +
    conv(b, 16, 3, 32, 32, 3) +
    conv(b, 16, 1, 16, 32, 3) + // stage 2, with projection
    conv(b, 8, 3, 32, 64, 3) +
    conv(b, 8, 3, 64, 64, 3) +
    conv(b, 8, 1, 32, 64, 3); // stage 3
  assert.deepEqual(prepared.flops, { matmul: dense(b, 64, 10, 3), conv: convs });
  prepared.dispose();
});

test('a frozen layer has no weight-gradient product, and layers above only frozen ones no input gradient; a forward pass counts each layer once', () => {
  const input = tf.input({ shape: [6] });
  const frozen = tf.layers.dense({ units: 4, trainable: false });
  const top = tf.layers.dense({ units: 2 });
  const model = tf.model({ inputs: input, outputs: top.apply(frozen.apply(input)) as tf.SymbolicTensor });
  assert.deepEqual(trainingFlops(model, 10), { matmul: dense(10, 6, 4, 1) + dense(10, 4, 2, 2), conv: 0 });
  assert.deepEqual(forwardFlops(model, 10), { matmul: dense(10, 6, 4, 1) + dense(10, 4, 2, 1), conv: 0 });
  model.dispose();
});

test("teacher-forward: one pass of E2's ResNet-20, each product once", async () => {
  const prepared = await teacherForwardWorkload(4).prepare(new Random(0));
  const b = 4;
  const convs =
    conv(b, 32, 3, 3, 16, 1) + // stem
    conv(b, 32, 3, 16, 16, 1) * 6 + // stage 1: three blocks of two
    conv(b, 16, 3, 16, 32, 1) +
    conv(b, 16, 3, 32, 32, 1) * 5 +
    conv(b, 16, 1, 16, 32, 1) + // stage 2, with projection
    conv(b, 8, 3, 32, 64, 1) +
    conv(b, 8, 3, 64, 64, 1) * 5 +
    conv(b, 8, 1, 32, 64, 1); // stage 3
  assert.deepEqual(prepared.flops, { matmul: dense(b, 64, 5, 1), conv: convs });
  assert.ok(Number.isFinite(prepared.step()));
  prepared.dispose();
});
