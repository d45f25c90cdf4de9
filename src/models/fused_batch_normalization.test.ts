import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf, type SymbolicTensor, type Tensor } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { momentum } from '../engine/optimizers.js';
import { FusedBatchNormalization } from './fused_batch_normalization.js';
import { buildResNet } from './resnet.js';
import { assertClose } from '../../test/support/backends.js';

type Norm = (name: string) => tf.layers.Layer;

const tfjsNorm: Norm = (name) => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name });
const fusedNorm: Norm = (name) => new FusedBatchNormalization({ momentum: 0.9, epsilon: 1e-5, name });

/** conv - norm - relu, then a residual block (conv - norm - relu - conv - norm, + shortcut), pooled. */
function residualNet(norm: Norm): tf.LayersModel {
  let seed = 11;
  const conv = (x: SymbolicTensor, name: string) =>
    tf.layers
      .conv2d({
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: seed++ }),
        name,
      })
      .apply(x) as SymbolicTensor;
  const apply = (layer: tf.layers.Layer, x: SymbolicTensor | SymbolicTensor[]) =>
    layer.apply(x) as SymbolicTensor;
  const relu = (x: SymbolicTensor) => apply(tf.layers.reLU(), x);
  const input = tf.input({ shape: [8, 8, 3] });
  const stem = relu(apply(norm('stem_bn'), conv(input, 'stem_conv')));
  const inner = relu(apply(norm('bn1'), conv(stem, 'conv1')));
  const sum = apply(tf.layers.add(), [apply(norm('bn2'), conv(inner, 'conv2')), stem]);
  const pooled = apply(tf.layers.globalAveragePooling2d({}), relu(sum));
  const logits = apply(
    tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'logits' }),
    pooled,
  );
  return tf.model({ inputs: input, outputs: logits });
}

const images = () => tf.randomNormal([6, 8, 8, 3], 0.5, 2, 'float32', 7);
const labels = () => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1, 2], 'int32'), 4);
const loss = (model: tf.LayersModel, x: Tensor, y: Tensor) =>
  tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as Tensor) as tf.Scalar;

/** Both nets, the fused one with the tfjs one's initial weights. */
function pair(): [tf.LayersModel, tf.LayersModel] {
  const reference = residualNet(tfjsNorm);
  const fused = residualNet(fusedNorm);
  fused.setWeights(reference.getWeights());
  return [reference, fused];
}

const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

test("through a residual net, the fused layer's gradients equal tfjs BatchNormalization's (cpu)", async () => {
  await initBackend('cpu');
  const [reference, fused] = pair();
  const [x, y] = [images(), labels()];
  const names = (model: tf.LayersModel) => model.trainableWeights.map((w) => w.originalName);
  assert.deepEqual(names(fused), names(reference));
  const [expected, actual] = [reference, fused].map((model) => {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => loss(model, x, y), variables);
    return variables.map((v) => grads[v.name]);
  });
  names(reference).forEach((name, i) =>
    assertClose(actual[i].dataSync(), expected[i].dataSync(), TOLERANCE, name),
  );
});

test('after training steps, weights and moving statistics equal those of tfjs BatchNormalization (cpu), and so does inference', async () => {
  await initBackend('cpu');
  const [reference, fused] = pair();
  const [x, y] = [images(), labels()];
  for (const model of [reference, fused]) {
    const optimizer = momentum(0.1, 0.9);
    for (let step = 0; step < 4; step++) optimizer.minimize(() => loss(model, x, y));
  }
  const weights = (model: tf.LayersModel) =>
    model.weights.map((w) => [w.originalName, w.read().dataSync()] as const);
  const expected = weights(reference);
  const actual = weights(fused);
  assert.deepEqual(
    actual.map(([name]) => name),
    expected.map(([name]) => name),
  );
  assert.ok(expected.some(([name]) => name === 'bn2/moving_variance'));
  for (const [i, [name, values]] of expected.entries()) {
    if (name.endsWith('moving_mean')) {
      assert.ok(
        values.some((v) => Math.abs(v) > 1e-3),
        `${name} moved away from its initial zeros`,
      );
    }
    assertClose(actual[i][1], values, TOLERANCE, name);
  }
  const predict = (model: tf.LayersModel) => (model.predict(x) as Tensor).dataSync();
  assertClose(predict(fused), predict(reference), TOLERANCE, 'inference');
});

test('the residual nets use the fused layer, with the weight names of tfjs BatchNormalization', () => {
  const model = buildResNet({ inputShape: [8, 8, 3], widths: [4], blocksPerStage: 1, classes: 2, seed: 1 });
  const layer = model.getLayer('stage1_block1_bn1');
  assert.equal(layer.getClassName(), 'FusedBatchNormalization');
  assert.deepEqual(
    layer.weights.map((w) => w.originalName),
    ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => `stage1_block1_bn1/${w}`),
  );
  assert.deepEqual(
    layer.trainableWeights.map((w) => w.originalName),
    ['stage1_block1_bn1/gamma', 'stage1_block1_bn1/beta'],
  );
  model.dispose();
});

test('bad settings and inputs are refused naming the layer', () => {
  assert.throws(
    () => new FusedBatchNormalization({ momentum: 1.5, name: 'bn' }),
    /"bn": momentum must be in \[0, 1\], got 1.5/,
  );
  assert.throws(
    () => new FusedBatchNormalization({ epsilon: 0, name: 'bn' }),
    /"bn": epsilon must be positive, got 0/,
  );
  assert.throws(
    () =>
      new FusedBatchNormalization({ name: 'bn' }).apply(tf.input({ shape: [null] as unknown as number[] })),
    /"bn": expected an input of rank 2 or more with a known last axis/,
  );
});
