import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu, onBackend } from '../../../test/support/backends.js';

// Values where max(x, 0) implementations differ: NaN, -0, infinities and a subnormal.
const SPECIAL = [NaN, -0, 0, -1, 1, Infinity, -Infinity, 1e-40, -1e-40];

function withSpecials(shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = tf.randomNormal([size], 0, 1, 'float32', 7).dataSync() as Float32Array;
  for (let i = 0; i < size; i += 13) values[i] = SPECIAL[(i / 13) % SPECIAL.length];
  return tf.tensor(values, shape);
}

// [1024, 256]: a dense layer's activations, the loop; [1024, 600]: above PARALLEL_SIZE, the
// backend's clamp; 3000 values: the SIMD loop's four-value tail; 35 values: not a multiple of 4,
// the backend's clamp.
for (const shape of [
  [1024, 256],
  [1024, 600],
  [3, 1000],
  [7, 5],
]) {
  test(`Relu [${shape}] gives cpu's values exactly, NaN and -0 included`, async () => {
    const [reference] = await onBackend('cpu', () => tf.relu(withSpecials(shape)));
    const [actual] = await onBackend('wasm', () => tf.relu(withSpecials(shape)));
    assert.deepEqual(actual.shape, reference.shape);
    for (let i = 0; i < reference.values.length; i++) {
      if (!Object.is(actual.values[i], reference.values[i]))
        assert.fail(`relu [${shape}] at ${i}: ${actual.values[i]} vs cpu ${reference.values[i]}`);
    }
  });
}

test('a relu dense layer and its gradients match cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = tf.randomNormal([512, 64], 0, 1, 'float32', 1);
      const w = tf.randomNormal([64, 128], 0, 0.2, 'float32', 2);
      const b = tf.randomNormal([128], 0, 0.2, 'float32', 3);
      const loss = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        tf.relu(xs.matMul(ws).add(bs)).square().mean();
      const { value, grads } = tf.valueAndGrads((xs, ws, bs) => loss(xs, ws, bs) as tf.Scalar)([x, w, b]);
      return [value, ...grads];
    },
    { atol: 1e-5, rtol: 1e-4 },
    'relu dense layer',
  );
});
