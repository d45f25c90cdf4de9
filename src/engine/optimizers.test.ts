import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend, type BackendName } from './backend.js';
import { adam, momentum } from './optimizers.js';
import { setLearningRate } from '../distill/optimizers.js';
import { FUSED_ADAM, FUSED_MOMENTUM } from './kernels/optimizer_updates.js';
import { buildRecommender } from '../models/recommender.js';
import { assertClose } from '../../test/support/backends.js';

type Make = () => tf.Optimizer;
const EXACT = { atol: 0, rtol: 0 };

/** Every slot variable of a tfjs optimizer and its beta powers, to read back after the steps. */
const slots = (optimizer: tf.Optimizer): tf.Tensor[] => {
  const o = optimizer as unknown as Record<string, { variable: tf.Variable }[] | tf.Variable | undefined>;
  const lists = ['accumulatedFirstMoment', 'accumulatedSecondMoment', 'accumulations'].flatMap(
    (key) => (o[key] as { variable: tf.Variable }[] | undefined) ?? [],
  );
  const powers = ['accBeta1', 'accBeta2'].flatMap((key) => (o[key] ? [o[key] as tf.Variable] : []));
  return [...lists.map((s) => s.variable), ...powers];
};

/**
 * Four updates of three variables (a matrix, a vector, a scalar) with seeded gradients, one of
 * them missing at the second step and the learning rate changed before the third; returns every
 * variable and optimizer slot, and how many kernels the updates ran.
 */
async function updates(
  backend: BackendName,
  make: Make,
): Promise<{ values: Float32Array[]; kernels: string[] }> {
  await initBackend(backend);
  const variables = [
    tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1)),
    tf.variable(tf.randomNormal([5], 0, 1, 'float32', 2)),
    tf.variable(tf.scalar(0.7)),
  ];
  const optimizer = make();
  const kernels: string[] = [];
  for (let step = 0; step < 4; step++) {
    if (step === 2) setLearningRate(optimizer, 0.003);
    const gradients = tf.tidy(() =>
      Object.fromEntries(
        variables.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 1 + i, 'float32', 10 * step + i + 1)]),
      ),
    );
    const given = Object.values(gradients);
    // tfjs skips a variable whose gradient is null (its slots are matched by position).
    if (step === 1) gradients[variables[1].name] = null as unknown as tf.Tensor;
    const profile = await tf.profile(() => optimizer.applyGradients(gradients));
    kernels.push(...profile.kernels.map((k) => k.name));
    tf.dispose(given);
  }
  const values = [...variables, ...slots(optimizer)].map((t) => t.dataSync() as Float32Array);
  optimizer.dispose();
  tf.dispose(variables);
  return { values, kernels };
}

const OPTIMIZERS: [string, string, Make, Make][] = [
  ['Adam', FUSED_ADAM, () => adam(0.01), () => tf.train.adam(0.01)],
  ['momentum', FUSED_MOMENTUM, () => momentum(0.1, 0.9), () => tf.train.momentum(0.1, 0.9)],
];

for (const [name, kernel, fused, stock] of OPTIMIZERS) {
  test(`fused ${name} on wasm: one kernel a step, bit-identical to tfjs's ${name} on cpu and on wasm`, async () => {
    const reference = await updates('cpu', stock);
    const onCpu = await updates('cpu', fused);
    const builtin = await updates('wasm', stock);
    const actual = await updates('wasm', fused);
    assert.deepEqual(
      actual.kernels.filter((k) => k === kernel).length,
      4,
      `one ${kernel} a step: ${actual.kernels.join(', ')}`,
    );
    assert.ok(actual.kernels.length <= 4 * 3, `few kernels a step: ${actual.kernels.join(', ')}`);
    assert.ok(!onCpu.kernels.includes(kernel), 'without the kernel (cpu) tfjs updates');
    assert.equal(actual.values.length, reference.values.length);
    for (const [i, values] of reference.values.entries()) {
      assertClose(actual.values[i], values, EXACT, `${name} variable or slot ${i} against cpu`);
      assertClose(builtin.values[i], values, EXACT, `tfjs's ${name} on wasm, variable or slot ${i}`);
      assertClose(onCpu.values[i], values, EXACT, `fallback on cpu, variable or slot ${i}`);
    }
  });
}

/** Three training steps of a small recommender with `make`'s optimizer; its weights after them. */
async function train(backend: BackendName, make: Make): Promise<Float32Array[]> {
  await initBackend(backend);
  const model = buildRecommender({ users: 13, items: 17, embedding: 6, hidden: [20, 5], seed: 4 });
  const optimizer = make();
  const users = tf.tensor2d([0, 3, 3, 12, 5, 0, 7, 3], [8, 1], 'int32');
  const items = tf.tensor2d([16, 2, 2, 0, 9, 9, 1, 4], [8, 1], 'int32');
  const ratings = tf.tensor2d([5, 3, 4, 1, 2, 5, 3, 4], [8, 1]);
  for (let step = 0; step < 3; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.meanSquaredError(ratings, model.apply([users, items], { training: true }) as tf.Tensor),
      true,
    );
    loss?.dispose();
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([users, items, ratings]);
  optimizer.dispose();
  model.dispose();
  return weights;
}

for (const [name, , fused, stock] of OPTIMIZERS) {
  test(`training with fused ${name}: the same weights as tfjs's ${name} on wasm, and close to cpu`, async () => {
    const reference = await train('cpu', stock);
    const builtin = await train('wasm', stock);
    const actual = await train('wasm', fused);
    for (const [i, values] of reference.entries()) {
      assertClose(actual[i], builtin[i], EXACT, `${name} weight ${i} against tfjs's on wasm`);
      assertClose(actual[i], values, { atol: 1e-5, rtol: 1e-4 }, `${name} weight ${i} against cpu`);
    }
  });
}
