import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from './tf.js';
import { initBackend, type BackendName } from './backend.js';
import { Random } from './random.js';
import { buildRecommender } from '../models/recommender.js';
import { buildResNet } from '../models/resnet.js';

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** A few seeded Adam steps on shuffled synthetic ratings; returns the final weights. */
function train(seed: number): number[][] {
  const random = new Random(seed);
  const model = buildRecommender({ users: 20, items: 30, embedding: 4, hidden: [8], seed: random.seedInt() });
  const data = random.derive('data');
  const users = Int32Array.from({ length: 64 }, () => data.int(20));
  const items = Int32Array.from({ length: 64 }, () => data.int(30));
  const ratings = Float32Array.from({ length: 64 }, () => 1 + data.int(5));
  const optimizer = tf.train.adam(0.01);
  const order = random.derive('shuffle');
  for (let epoch = 0; epoch < 3; epoch++) {
    const perm = order.permutation(64);
    for (let from = 0; from < 64; from += 16) {
      const rows = Array.from(perm.subarray(from, from + 16));
      tf.tidy(() => {
        const u = tf.tensor2d(
          rows.map((r) => users[r]),
          [16, 1],
          'int32',
        );
        const i = tf.tensor2d(
          rows.map((r) => items[r]),
          [16, 1],
          'int32',
        );
        const y = tf.tensor2d(
          rows.map((r) => ratings[r]),
          [16, 1],
        );
        optimizer.minimize(() =>
          tf.losses.meanSquaredError(y, model.apply([u, i], { training: true }) as tf.Tensor),
        );
      });
    }
  }
  const weights = weightsOf(model);
  model.dispose();
  optimizer.dispose();
  return weights;
}

const builders: [string, (seed: number) => tf.LayersModel][] = [
  ['recommender', (seed) => buildRecommender({ users: 7, items: 9, embedding: 3, hidden: [5], seed })],
  [
    'residual net',
    (seed) => buildResNet({ inputShape: [6, 6, 3], widths: [4, 6], blocksPerStage: 1, classes: 3, seed }),
  ],
];

for (const [what, build] of builders) {
  test(`one seed builds identical ${what} weights; another seed different ones`, async () => {
    await initBackend('cpu');
    assert.deepEqual(weightsOf(build(11)), weightsOf(build(11)));
    assert.notDeepEqual(weightsOf(build(11)), weightsOf(build(12)));
  });
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  test(`two seeded training runs give bit-identical weights on ${backend}`, async () => {
    await initBackend(backend);
    const first = train(5);
    assert.deepEqual(train(5), first);
    assert.notDeepEqual(train(6), first);
  });
}
