import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { buildRecommender } from './recommender.js';
import { loadModel, saveModel } from './io.js';
import { tinyResNet } from '../../test/support/models.js';

let dir: string;
before(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tm-io-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function assertSamePredictions(model: tf.LayersModel, inputs: tf.Tensor | tf.Tensor[], folder: string) {
  await saveModel(model, folder);
  const loaded = await loadModel(folder);
  const before = (model.predict(inputs) as tf.Tensor).dataSync();
  const afterLoad = (loaded.predict(inputs) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(afterLoad), Array.from(before));
  assert.deepEqual(
    loaded.layers.map((l) => l.name),
    model.layers.map((l) => l.name),
  );
}

test('a two-input recommender round-trips with identical predictions', async () => {
  const model = buildRecommender({ users: 10, items: 12, embedding: 4, hidden: [8, 4], seed: 1 });
  const users = tf.tensor2d([0, 3, 9], [3, 1], 'int32');
  const items = tf.tensor2d([11, 2, 5], [3, 1], 'int32');
  await assertSamePredictions(model, [users, items], join(dir, 'rec'));
});

test('a residual net with batch norm round-trips, moving statistics included', async () => {
  const model = tinyResNet([4, 6], 3, 2);
  const bn = model.getLayer('stem_bn');
  // Non-default moving statistics must survive the round trip.
  bn.setWeights(bn.getWeights().map((w, i) => w.add(i + 0.5)));
  await assertSamePredictions(model, tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3), join(dir, 'resnet'));
});

test("a model saved with tfjs's BatchNormalization (as earlier versions did) loads, as the fused layer where that computes the same", async () => {
  const input = tf.input({ shape: [4, 4, 5] });
  const norm = (name: string, center = true) =>
    tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, center, name });
  const first = norm('bn').apply(input) as tf.SymbolicTensor;
  const model = tf.model({
    inputs: input,
    outputs: norm('uncentred', false).apply(first) as tf.SymbolicTensor,
  });
  for (const layer of model.layers.slice(1)) {
    layer.setWeights(
      layer.getWeights().map((w, i) =>
        w.add(
          tf
            .range(0, 5)
            .mul(0.1 * (i + 1))
            .reshape(w.shape),
        ),
      ),
    );
  }
  const folder = join(dir, 'tfjs-bn');
  await assertSamePredictions(model, tf.randomNormal([2, 4, 4, 5], 0, 1, 'float32', 4), folder);
  const saved = await readFile(join(folder, 'model.json'), 'utf8');
  assert.equal(saved.match(/"class_name":"BatchNormalization"/g)?.length, 2, 'saved as tfjs names it');
  const loaded = await loadModel(folder);
  assert.deepEqual(
    loaded.layers.map((l) => l.getClassName()),
    ['InputLayer', 'FusedBatchNormalization', 'BatchNormalization'],
  );
  assert.deepEqual(
    loaded.getLayer('bn').weights.map((w) => w.originalName),
    ['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance'],
  );
  assert.deepEqual(
    loaded
      .getLayer('bn')
      .getWeights()
      .map((w) => Array.from(w.dataSync())),
    model
      .getLayer('bn')
      .getWeights()
      .map((w) => Array.from(w.dataSync())),
  );
});

test('saving over an existing model replaces it whole and leaves no temporary files', async () => {
  const parent = join(dir, 'replace');
  const folder = join(parent, 'model');
  await saveModel(buildRecommender({ users: 5, items: 5, embedding: 2, hidden: [3], seed: 1 }), folder);
  const second = buildRecommender({ users: 5, items: 5, embedding: 2, hidden: [3], seed: 2 });
  await assertSamePredictions(
    second,
    [tf.tensor2d([1], [1, 1], 'int32'), tf.tensor2d([2], [1, 1], 'int32')],
    folder,
  );
  assert.deepEqual(await readdir(parent), ['model']);
  const files = (await readdir(folder)).sort();
  assert.equal(files.length, 2, files.join(', '));
  assert.match(files[1], /^weights-[0-9a-f]{16}\.bin$/, 'the old weights file is gone');
});

test('missing, corrupt and truncated model files give errors naming the file', async () => {
  const folder = join(dir, 'broken');
  await saveModel(buildRecommender({ users: 5, items: 5, embedding: 2, hidden: [3], seed: 1 }), folder);
  await assert.rejects(
    loadModel(join(dir, 'nowhere')),
    /nowhere\/model\.json: cannot read the model description \(no such file\)/,
  );
  const weights = (await readdir(folder)).find((f) => f.startsWith('weights-'))!;
  await truncate(join(folder, weights), 10);
  await assert.rejects(loadModel(folder), /weights-\w+\.bin: expected \d+ bytes of weights .* found 10/);
  await rm(join(folder, weights));
  await assert.rejects(loadModel(folder), /weights-\w+\.bin: cannot read model weights \(no such file\)/);
  await writeFile(join(folder, 'model.json'), '{"modelTopology": ');
  await assert.rejects(loadModel(folder), /broken\/model\.json: the model description is not valid JSON/);
  await writeFile(join(folder, 'model.json'), '{"format": "layers-model", "modelTopology": {}}');
  await assert.rejects(
    loadModel(folder),
    /model\.json: the model description is not as expected:\n.*\n.*at weightsManifest/,
  );
});

test('a manifest that does not fit the model names the file and the weight', async () => {
  const folder = join(dir, 'mismatch');
  await saveModel(buildRecommender({ users: 5, items: 5, embedding: 2, hidden: [3], seed: 1 }), folder);
  const file = join(folder, 'model.json');
  const original = await readFile(file, 'utf8');
  const edit = async (
    change: (weights: { name: string; dtype: string; quantization?: object }[]) => void,
  ) => {
    const json = JSON.parse(original);
    change(json.weightsManifest[0].weights);
    await writeFile(file, JSON.stringify(json));
  };

  await edit((weights) => (weights[0].name = 'nothere/kernel'));
  await assert.rejects(loadModel(folder), /mismatch\/model\.json: .*no target variable: nothere\/kernel/);
  await edit((weights) => (weights[0].dtype = 'float64'));
  await assert.rejects(
    loadModel(folder),
    /model\.json: .*not as expected:\n.*float32.*\n.*weights\[0\]\.dtype/,
  );
  await edit((weights) => (weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 }));
  await assert.rejects(loadModel(folder), /model\.json: weight "user_embedding\/embeddings" is quantized/);
});

/**
 * Rewrites a saved model folder the way tensorflowjs_converter writes a Keras model: the topology
 * under `model_config`, and the weights in two manifest groups whose bytes are cut into shard
 * files of `shardBytes` (the converter cuts at a byte count, not at weight boundaries).
 */
async function shardLikeConverter(folder: string, shardBytes: number): Promise<number> {
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  const weightsFile = join(folder, json.weightsManifest[0].paths[0]);
  const data = await readFile(weightsFile);
  await rm(weightsFile);
  const specs = json.weightsManifest[0].weights as { shape: number[] }[];
  const half = Math.ceil(specs.length / 2);
  const bytesOf = (list: { shape: number[] }[]) =>
    list.reduce((n, spec) => n + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
  const groups = [specs.slice(0, half), specs.slice(half)];
  let offset = 0;
  let files = 0;
  json.weightsManifest = [];
  for (const [g, weights] of groups.entries()) {
    const bytes = data.subarray(offset, offset + bytesOf(weights));
    offset += bytes.length;
    const count = Math.ceil(bytes.length / shardBytes);
    const paths = Array.from({ length: count }, (_, k) => `group${g + 1}-shard${k + 1}of${count}.bin`);
    for (const [k, path] of paths.entries())
      await writeFile(join(folder, path), bytes.subarray(k * shardBytes, (k + 1) * shardBytes));
    files += count;
    json.weightsManifest.push({ paths, weights });
  }
  json.modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: json.modelTopology };
  await writeFile(join(folder, 'model.json'), JSON.stringify(json));
  return files;
}

test('a converter-style folder with weights in several shards and groups loads and predicts as saved', async () => {
  const model = tinyResNet([4, 6], 3, 2);
  const folder = join(dir, 'sharded');
  await saveModel(model, folder);
  const shards = await shardLikeConverter(folder, 1000);
  assert.ok(shards >= 4, `only ${shards} shard files`);
  const input = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
  const expected = Array.from((model.predict(input) as tf.Tensor).dataSync());
  for (const path of [folder, join(folder, 'model.json')]) {
    const loaded = await loadModel(path);
    assert.deepEqual(Array.from((loaded.predict(input) as tf.Tensor).dataSync()), expected);
  }
});

test('a GraphModel is refused with the reason, naming the file', async () => {
  const folder = join(dir, 'graph');
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, 'model.json'),
    JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }),
  );
  await assert.rejects(loadModel(folder), (error: Error) => {
    assert.match(error.message, /graph\/model\.json: a tfjs GraphModel .*expected a LayersModel/);
    return true;
  });
});
