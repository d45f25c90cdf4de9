import { test } from 'node:test';
import { tf } from '../tf.js';
import { initBackend } from '../backend.js';
import { registerBroadcastGradients } from './broadcast_gradients.js';
import { assertClose } from '../../../test/support/backends.js';

registerBroadcastGradients();

const TOLERANCE = { atol: 1e-6, rtol: 1e-5 };

test('the Mean gradient spreads dy / count over the reduced axes (any axes, keepDims)', async () => {
  await initBackend('cpu');
  const x = tf.randomNormal([3, 4, 5]);
  const weights = tf.randomNormal([3, 1, 5], 0, 1, 'float32', 1);
  const grad = tf.grad((a: tf.Tensor) => a.mean(1, true).mul(weights).sum())(x);
  assertClose(grad.dataSync(), tf.broadcastTo(weights.div(4), [3, 4, 5]).dataSync(), TOLERANCE, 'axis 1');
  const all = tf.grad((a: tf.Tensor) => a.mean([0, 2]).mul(tf.range(1, 5)).sum())(x);
  const expected = tf.broadcastTo(tf.range(1, 5).reshape([1, 4, 1]).div(15), [3, 4, 5]);
  assertClose(all.dataSync(), expected.dataSync(), TOLERANCE, 'axes 0, 2');
});

test('batch-norm input gradient (mean and variance held fixed) is dy * scale / sqrt(variance + eps)', async () => {
  await initBackend('cpu');
  const x = tf.randomNormal([2, 3, 3, 4]);
  const dy = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 2);
  const mean = tf.randomNormal([4], 0, 1, 'float32', 3);
  const variance = tf.randomUniform([4], 0.5, 2, 'float32', 4);
  const scale = tf.randomUniform([4], 0.5, 2, 'float32', 5);
  const offset = tf.randomNormal([4], 0, 1, 'float32', 6);
  const grad = tf.grad((a: tf.Tensor) => tf.batchNorm(a, mean, variance, offset, scale, 1e-3).mul(dy).sum())(
    x,
  );
  const expected = dy.mul(variance.add(1e-3).rsqrt().mul(scale));
  assertClose(grad.dataSync(), expected.dataSync(), TOLERANCE, 'input gradient');
});

test('batch-norm gradients of x, mean, variance, scale and offset match the same map built from element-wise ops', async () => {
  await initBackend('cpu');
  const x = tf.randomNormal([2, 3, 3, 4], 0.5, 2);
  const dy = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 2);
  const inputs = [
    x,
    tf.randomNormal([4], 0, 1, 'float32', 3),
    tf.randomUniform([4], 0.5, 2, 'float32', 4),
    tf.randomNormal([4], 0, 1, 'float32', 6),
    tf.randomUniform([4], 0.5, 2, 'float32', 5),
  ];
  const [fused, elementWise] = [
    (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.batchNorm(a, m, v, o, s, 1e-3),
    (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      a.sub(m).mul(s).div(v.add(1e-3).sqrt()).add(o),
  ].map((map) =>
    tf.grads((...args: tf.Tensor[]) =>
      (map as (...t: tf.Tensor[]) => tf.Tensor)(...args)
        .mul(dy)
        .sum(),
    )(inputs),
  );
  ['x', 'mean', 'variance', 'offset', 'scale'].forEach((name, i) =>
    assertClose(fused[i].dataSync(), elementWise[i].dataSync(), { atol: 1e-5, rtol: 1e-5 }, name),
  );
});
