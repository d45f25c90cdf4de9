import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../tf.js';
import { initBackend } from '../backend.js';
import { batchNormInTraining, movingAverages } from './batch_norm_training.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRADIENT, MOVING_AVERAGES } from './batch_norm_kernels.js';
import { assertClose, assertWasmMatchesCpu } from '../../../test/support/backends.js';

const EPSILON = 1e-3;

/** Inputs of one case: x far from zero mean and unit variance, so that normalizing matters. */
function inputs(shape: number[]): [Tensor, Tensor, Tensor, Tensor] {
  const channels = shape[shape.length - 1];
  return [
    tf.randomNormal(shape, 0.7, 2.5, 'float32', 1),
    tf.randomUniform([channels], 0.5, 2, 'float32', 2),
    tf.randomNormal([channels], 0, 1, 'float32', 3),
    tf.randomNormal(shape, 0, 1, 'float32', 4),
  ];
}

/** Output, mean, variance and the gradients of sum(output * dy) by x, gamma and beta. */
function run(
  normalize: (x: Tensor, gamma: Tensor, beta: Tensor) => { output: Tensor; mean: Tensor; variance: Tensor },
  [x, gamma, beta, dy]: Tensor[],
): Tensor[] {
  const { output, mean, variance } = normalize(x, gamma, beta);
  const grads = tf.grads((a: Tensor, g: Tensor, b: Tensor) => normalize(a, g, b).output.mul(dy).sum())([
    x,
    gamma,
    beta,
  ]);
  return [output, mean, variance, ...grads];
}

const fused = (x: Tensor, gamma: Tensor, beta: Tensor) => batchNormInTraining(x, gamma, beta, EPSILON);

/** tfjs-layers' composition in training: tf.moments, then tf.batchNorm, differentiated op by op. */
function composed(x: Tensor, gamma: Tensor, beta: Tensor) {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const { mean, variance } = tf.moments(x, axes);
  return { output: tf.batchNorm(x, mean, variance, beta, gamma, EPSILON), mean, variance };
}

const NAMES = ['output', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];

// Ranks 2 to 4; sizes on both sides of the threshold of the per-channel kernels and of the
// gradient's loops (4096 elements); channel counts the loops take (multiples of 4: [16, 16, 16,
// 16], [600, 8], [50, 10, 10, 20]) and leave to tf ops (19, 30).
const SHAPES = [
  [4, 8, 8, 19],
  [16, 16, 16, 16],
  [600, 8],
  [50, 10, 10, 20],
  [5, 40, 30],
  [3, 5],
];

for (const shape of SHAPES) {
  test(`batch norm in training on [${shape}]: values and gradients equal tfjs's composition (cpu)`, async () => {
    await initBackend('cpu');
    tf.tidy(() => {
      const data = inputs(shape);
      const [actual, expected] = [run(fused, data), run(composed, data)];
      // Sums of up to ~4000 values, taken in another order and factored differently.
      expected.forEach((e, i) =>
        assertClose(actual[i].dataSync(), e.dataSync(), { atol: 1e-5, rtol: 1e-4 }, NAMES[i]),
      );
    });
  });

  test(`batch norm in training on [${shape}]: values and gradients on wasm match cpu`, async () => {
    await assertWasmMatchesCpu(() => run(fused, inputs(shape)), { atol: 1e-4, rtol: 1e-4 }, `[${shape}]`);
  });
}

test('batch norm in training leaves no tensor behind but its results, and refuses mismatched gamma', async () => {
  await initBackend('cpu');
  const [x, gamma, beta] = inputs([4, 3, 3, 5]);
  const before = tf.memory().numTensors;
  const grads = tf.grads((a: Tensor) => {
    const { output, mean, variance } = fused(a, gamma, beta);
    tf.dispose([mean, variance]);
    return output.sum();
  })([x]);
  tf.dispose(grads);
  const { output, mean, variance } = fused(x, gamma, beta);
  tf.dispose([output, mean, variance]);
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  assert.throws(
    () => batchNormInTraining(x, tf.ones([4]), beta, EPSILON),
    /gamma and beta of shape \[5\].*gamma \[4\]/,
  );
});

test('on wasm, the loops run where channels are a multiple of 4, and tf ops elsewhere', async () => {
  await initBackend('wasm');
  const kernels = async (shape: number[]) => {
    const data = inputs(shape);
    const profile = await tf.profile(() => tf.dispose(run(fused, data)));
    tf.dispose(data);
    return new Set(profile.kernels.map((k) => k.name));
  };
  for (const shape of [
    [16, 16, 16, 16],
    [600, 8],
  ]) {
    const names = await kernels(shape);
    for (const loop of [BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRADIENT]) {
      assert.ok(names.has(loop), `[${shape}]: ${loop} ran`);
    }
  }
  const names = await kernels([4, 8, 8, 19]);
  assert.ok(
    !names.has(BATCH_NORM_TRAINING) && !names.has(BATCH_NORM_TRAINING_GRADIENT),
    '19 channels: tf ops',
  );
});

test("on wasm, the moving averages' kernel computes tfjs-layers' ops bit for bit", async () => {
  await initBackend('wasm');
  for (const [channels, momentum] of [
    [16, 0.9],
    [7, 0.99],
    [33, 0.37],
  ]) {
    tf.tidy(() => {
      const values = [1, 2, 3, 4].map((seed) => tf.randomNormal([channels], 0, 3, 'float32', seed));
      const layers = (moving: Tensor, value: Tensor) =>
        tf.sub(moving, tf.mul(tf.sub(moving, value), 1 - momentum));
      const [mean, variance] = movingAverages(values[0], values[1], values[2], values[3], momentum);
      assert.deepEqual(
        mean.dataSync(),
        layers(values[0], values[2]).dataSync(),
        `mean, ${channels} channels`,
      );
      assert.deepEqual(
        variance.dataSync(),
        layers(values[1], values[3]).dataSync(),
        `variance, ${channels} channels`,
      );
    });
  }
  const values = [1, 2, 3, 4].map((seed) => tf.randomNormal([8], 0, 1, 'float32', seed));
  const profile = await tf.profile(() =>
    tf.dispose(movingAverages(values[0], values[1], values[2], values[3], 0.9)),
  );
  assert.deepEqual(
    profile.kernels.map((k) => k.name),
    [MOVING_AVERAGES],
  );
  tf.dispose(values);
});
