import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu, onBackend } from '../../../test/support/backends.js';
import { initBackend } from '../backend.js';
import { RELU_GRADIENT } from './relu.js';

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
async function assertSameAsCpu(name: string, compute: () => tf.Tensor): Promise<void> {
  const [reference] = await onBackend('cpu', compute);
  const [actual] = await onBackend('wasm', compute);
  assert.deepEqual(actual.shape, reference.shape);
  for (let i = 0; i < reference.values.length; i++) {
    if (!Object.is(actual.values[i], reference.values[i]))
      assert.fail(`${name} at ${i}: ${actual.values[i]} vs cpu ${reference.values[i]}`);
  }
}

for (const shape of [
  [1024, 256],
  [1024, 600],
  [3, 1000],
  [7, 5],
]) {
  test(`Relu [${shape}] gives cpu's values exactly, NaN and -0 included`, async () => {
    await assertSameAsCpu(`relu [${shape}]`, () => tf.relu(withSpecials(shape)));
  });
}

// [16, 64, 64]: the gradient loop, above PARALLEL_SIZE; [3, 1000]: the loop on a small tensor;
// [7, 5]: not a multiple of 4, tfjs's composition. Special values in both x and dy: dy * 0 keeps
// dy's sign and makes NaN of infinities, NaN in x gives NaN.
for (const shape of [
  [16, 64, 64],
  [3, 1000],
  [7, 5],
]) {
  test(`Relu's gradient [${shape}] gives cpu's values exactly, NaN, -0 and infinities included`, async () => {
    await assertSameAsCpu(`relu gradient [${shape}]`, () => {
      const dy = tf.reverse(withSpecials(shape));
      return tf.grad((x: tf.Tensor) => tf.relu(x).mul(dy))(withSpecials(shape));
    });
  });
}

test("on wasm, Relu's gradient is one loop where the size is a multiple of 4", async () => {
  await initBackend('wasm');
  const kernels = async (shape: number[]) => {
    const x = tf.randomNormal(shape);
    const profile = await tf.profile(() => tf.dispose(tf.grad((a: tf.Tensor) => tf.relu(a).sum())(x)));
    x.dispose();
    return profile.kernels.map((k) => k.name);
  };
  const loop = await kernels([8, 12]);
  assert.ok(loop.includes(RELU_GRADIENT) && !loop.includes('Step'), `[8, 12]: ${loop.join(', ')}`);
  const composed = await kernels([3, 5]);
  assert.ok(!composed.includes(RELU_GRADIENT) && composed.includes('Step'), `[3, 5]: ${composed.join(', ')}`);
});

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
