import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { Conv2D } from './conv2d.js';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
const ARGS: ConvArgs = { filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false };

/** This layer and tfjs-layers' one, with the same weights, on the same input. */
function pair(args: ConvArgs) {
  const ours = new Conv2D({ ...args, name: 'ours' });
  const theirs = tf.layers.conv2d({ ...args, name: 'theirs' });
  const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 1);
  ours.apply(x);
  theirs.apply(x);
  theirs.setWeights(ours.getWeights());
  return { ours, theirs, x };
}

for (const backend of ['cpu', 'wasm'] as const) {
  for (const [label, args] of [
    ['no bias, linear', ARGS],
    ['bias and relu (tfjs-layers code)', { ...ARGS, useBias: true, activation: 'relu' }],
  ] as [string, ConvArgs][]) {
    test(`Conv2D (${label}) on ${backend} gives tfjs-layers' values and gradients exactly`, async () => {
      await initBackend(backend);
      tf.tidy(() => {
        const { ours, theirs, x } = pair(args);
        const weight = tf.randomNormal((theirs.apply(x) as tf.Tensor).shape, 0, 1, 'float32', 2);
        const gradients = (layer: tf.layers.Layer) => {
          const loss = (input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(weight).sum() as tf.Scalar;
          const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const { value, grads } = tf.variableGrads(() => loss(x), variables);
          const dx = tf.grad(loss)(x);
          return [value, ...variables.map((v) => grads[v.name]), dx].map((t) => Array.from(t.dataSync()));
        };
        assert.deepEqual(gradients(ours), gradients(theirs));
      });
    });
  }
}

test('Conv2D computes the input gradient only where the tape needs it, and the filter gradient likewise', async () => {
  await initBackend('cpu');
  const layer = new Conv2D({ ...ARGS, kernelInitializer: 'ones' });
  const image = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 3);
  layer.apply(image);
  const kernels = async (f: () => tf.Tensor | tf.Tensor[]) => {
    const profile = await tf.profile(() => tf.dispose(f()));
    return profile.kernels.map((k) => k.name).filter((name) => name.startsWith('Conv2DBackprop'));
  };
  const loss = () => (layer.apply(image) as tf.Tensor).square().sum() as tf.Scalar;
  const kernel = layer.trainableWeights[0].read() as tf.Variable;
  // A stem: the kernel's gradient only, the image needs none.
  assert.deepEqual(await kernels(() => Object.values(tf.variableGrads(loss, [kernel]).grads)), [
    'Conv2DBackpropFilter',
  ]);
  // A frozen layer a gradient passes through: the input's gradient only.
  layer.trainable = false;
  assert.deepEqual(
    await kernels(() => tf.grad((x: tf.Tensor) => (layer.apply(x) as tf.Tensor).sum())(image)),
    ['Conv2DBackpropInput'],
  );
});

test("models saved with tfjs-layers' Conv2D load with this one, and save as tfjs-layers' class", async () => {
  await initBackend('cpu');
  const input = tf.input({ shape: [8, 8, 3] });
  const output = tf.layers
    .conv2d({ filters: 2, kernelSize: 3, useBias: false })
    .apply(input) as tf.SymbolicTensor;
  const topology = tf
    .model({ inputs: input, outputs: output })
    .toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'];
  const loaded = await tf.models.modelFromJSON({ modelTopology: topology });
  const conv = loaded.layers.find((layer) => layer.getClassName() === 'Conv2D');
  assert.ok(conv instanceof Conv2D, 'the loaded layer is this Conv2D');
  assert.equal(
    (loaded.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } }).config.layers[1]
      .class_name,
    'Conv2D',
  );
});
