import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { assertClose, assertWasmMatchesCpu } from '../../test/support/backends.js';
import { FactorProduct } from './factor_product.js';
import { buildRecommender, type RecommenderConfig } from './recommender.js';
import { ModelGraph } from './cut.js';
import { loadModel, saveModel } from './io.js';

const users = () => tf.tensor2d([0, 3, 3, 6, 5, 0], [6, 1], 'int32');
const items = () => tf.tensor2d([8, 2, 2, 0, 4, 1], [6, 1], 'int32');
const hybrid: RecommenderConfig = {
  users: 7,
  items: 9,
  embedding: 4,
  hidden: [5, 3],
  biases: true,
  factors: 3,
  seed: 2,
  outputBias: 3.5,
};

test('FactorProduct multiplies the leading factors of the two vectors and passes the extras on', async () => {
  await initBackend('cpu');
  // Rows: user vector (width 3), item vector (width 3), two extras.
  const x = tf.tensor2d([
    [1, 2, 3, 4, 5, 6, 7, 8],
    [-1, 0.5, 2, 2, 4, -3, 0, -2],
  ]);
  const out = new FactorProduct({ width: 3, factors: 2 }).apply(x) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 4]);
  assert.deepEqual(Array.from(out.dataSync()), [1 * 4, 2 * 5, 7, 8, -1 * 2, 0.5 * 4, 0, -2]);
  const bare = new FactorProduct({ width: 3, factors: 3 }).apply(x.slice([0, 0], [-1, 6])) as tf.Tensor;
  assert.deepEqual(Array.from(bare.dataSync()), [4, 10, 18, -2, 2, -6]);
});

test('FactorProduct with members multiplies each member its own factors, then passes the extras on', async () => {
  await initBackend('cpu');
  // Two members of width 2 with one factor each: user vectors [a1 a2 | b1 b2], item vectors
  // [c1 c2 | d1 d2], one extra.
  const x = tf.tensor2d([
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
    [-1, 0.5, 2, 3, -2, 4, 0.5, -3, 7],
  ]);
  const layer = new FactorProduct({ width: 2, factors: 1, members: 2 });
  const out = layer.apply(x) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 3]);
  assert.deepEqual(layer.computeOutputShape([null, 9] as tf.Shape), [null, 3]);
  assert.deepEqual(Array.from(out.dataSync()), [1 * 5, 3 * 7, 9, -1 * -2, 2 * 0.5, 7]);
  const all = new FactorProduct({ width: 2, factors: 2, members: 2 }).apply(
    x.slice([0, 0], [-1, 8]),
  ) as tf.Tensor;
  assert.deepEqual(Array.from(all.dataSync()), [5, 12, 21, 32, 2, 2, 1, -9]);
  assert.throws(
    () => new FactorProduct({ width: 2, factors: 1, members: 2, name: 'f' }).apply(tf.zeros([2, 7])),
    /FactorProduct "f": expected an input of at least 2 x 4 features .*2 members of width 2.* got 7/,
  );
  assert.throws(
    () => new FactorProduct({ width: 2, factors: 1, members: 0 }),
    /members must be a positive integer, got 0/,
  );
});

test('FactorProduct keeps its member count through its config; a config without one is one member', async () => {
  await initBackend('cpu');
  const x = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  const layer = new FactorProduct({ width: 2, factors: 1, members: 2, name: 'factors' });
  const config = layer.getConfig();
  assert.equal(config.members, 2);
  const again = FactorProduct.fromConfig(FactorProduct, config) as FactorProduct;
  assert.deepEqual(Array.from((again.apply(x) as tf.Tensor).dataSync()), [5, 21, 9]);
  // Saved before members existed: width, factors and name only.
  const old = FactorProduct.fromConfig(FactorProduct, {
    name: 'factors',
    trainable: true,
    width: 4,
    factors: 2,
  }) as FactorProduct;
  assert.equal(old.getConfig().members, 1);
  assert.deepEqual(Array.from((old.apply(x) as tf.Tensor).dataSync()), [1 * 5, 2 * 6, 9]);
});

test('a model saved before FactorProduct had members loads as one member, with the same predictions', async () => {
  await initBackend('cpu');
  const model = buildRecommender({ ...hybrid, hidden: [] });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  const topology = artifacts!.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
  const factors = topology.config.layers.find((l) => l.config.name === 'factors')!;
  assert.equal(factors.config.members, 1);
  delete factors.config.members;
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  assert.deepEqual(
    Array.from((loaded.predict([users(), items()]) as tf.Tensor).dataSync()),
    Array.from((model.predict([users(), items()]) as tf.Tensor).dataSync()),
  );
});

test('FactorProduct refuses factors beyond the vectors and an input too narrow, by name', async () => {
  await initBackend('cpu');
  assert.throws(
    () => new FactorProduct({ width: 3, factors: 4 }),
    /factors must be an integer from 1 to width \(3\), got 4/,
  );
  assert.throws(() => new FactorProduct({ width: 0, factors: 0 }), /width must be a positive integer, got 0/);
  assert.throws(
    () => new FactorProduct({ width: 3, factors: 2, name: 'f' }).apply(tf.zeros([2, 5])),
    /FactorProduct "f": expected an input of at least 2 x 3 features .* got 5/,
  );
});

test('a biased factorisation model starts as mean + sum of products (biases start at zero)', async () => {
  await initBackend('cpu');
  const model = buildRecommender({ ...hybrid, hidden: [] });
  const [u, i] = [users(), items()];
  const userVectors = model.getLayer('user_embedding').apply(u) as tf.Tensor;
  const itemVectors = model.getLayer('item_embedding').apply(i) as tf.Tensor;
  const expected = userVectors.mul(itemVectors).slice([0, 0, 0], [-1, -1, 3]).sum([1, 2]).add(3.5);
  assertClose((model.predict([u, i]) as tf.Tensor).dataSync(), expected.dataSync(), { atol: 1e-6, rtol: 0 });
  assert.equal(new ModelGraph(model).penultimate(), 'factors');
});

test('the hybrid model separates at concat; running from concat through joint equals the model', async () => {
  await initBackend('cpu');
  const model = buildRecommender(hybrid);
  const graph = new ModelGraph(model);
  assert.equal(graph.lowerCut(), 'concat');
  assert.equal(graph.penultimate(), 'joint');
  // Two vectors of 4 and two biases; 3 products, 2 biases and the tower's 3 units.
  assert.deepEqual(graph.stateShape('concat'), [10]);
  assert.deepEqual(graph.stateShape('joint'), [8]);
  const [u, i] = [users(), items()];
  const { concat } = graph.run({ user: u, item: i }, ['concat'], false);
  const out = graph.run({ concat }, [graph.outputName], false)[graph.outputName];
  assertClose(out.dataSync(), (model.predict([u, i]) as tf.Tensor).dataSync(), { atol: 1e-6, rtol: 0 });
});

test('gradients of the hybrid model (biases, factors, tower) match cpu on wasm', async () => {
  await assertWasmMatchesCpu(
    () => {
      const model = buildRecommender(hybrid);
      const ratings = tf.tensor2d([5, 3, 4, 1, 2, 5], [6, 1]);
      const { grads } = tf.variableGrads(() =>
        tf.losses.meanSquaredError(ratings, model.apply([users(), items()], { training: true }) as tf.Tensor),
      );
      const out = Object.keys(grads)
        .sort()
        .map((name) => grads[name]);
      model.dispose();
      return out;
    },
    { atol: 1e-5, rtol: 1e-4 },
    'hybrid recommender gradients',
  );
});

test('a model with FactorProduct saves and loads with identical predictions', async () => {
  await initBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'tm-factors-'));
  try {
    const model = buildRecommender(hybrid);
    await saveModel(model, join(dir, 'model'));
    const loaded = await loadModel(join(dir, 'model'));
    assert.deepEqual(
      Array.from((loaded.predict([users(), items()]) as tf.Tensor).dataSync()),
      Array.from((model.predict([users(), items()]) as tf.Tensor).dataSync()),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
