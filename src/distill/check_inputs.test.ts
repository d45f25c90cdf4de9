import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { datasetFromArrays } from '../data/arrays.js';
import type { TensorDataset } from '../data/dataset.js';
import { distill, type DistillOptions } from './distill.js';
import { predict, predictedClasses } from './predict.js';
import { denseModel } from '../../test/support/models.js';

before(() => initBackend('cpu'));

const table = (n: number, features = 6) =>
  datasetFromArrays({
    inputs: [
      Array.from({ length: n }, (_, i) => Array.from({ length: features }, (_, k) => Math.sin(i + k))),
    ],
    target: Array.from({ length: n }, (_, i) => Math.cos(i)),
  });

const classifier = (classes: number) =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [6], activation: 'relu' }),
      tf.layers.dense({ units: 8, activation: 'relu' }),
      tf.layers.dense({ units: classes }),
    ],
  });

async function rejects(options: Partial<DistillOptions>, message: RegExp) {
  await assert.rejects(
    distill({
      student: denseModel([8, 8], 1, 's'),
      method: { name: 'student' },
      task: 'regression',
      data: { train: table(20) },
      training: { epochs: 1 },
      ...options,
    } as DistillOptions),
    (error: Error) => {
      assert.match(error.message, message);
      return true;
    },
  );
}

test('a dataset of the wrong shape is refused, naming the field, instead of training zero steps', async () => {
  const train = table(20);
  await rejects(
    { data: { train: { ...train, size: 25 } } },
    /^data\.train\.inputs\[0\]\.values: 120 values, but size 25/,
  );
  await rejects(
    { data: { train: table(20, 5) } },
    /^data\.train\.inputs\[0\]: examples of shape \[5\], but the student's input "s_x" takes \[6\]/,
  );
  await rejects(
    { data: { train: { ...train, inputs: [] } } },
    /^data\.train\.inputs: expected an array of columns/,
  );
  await rejects({ data: [train] as never }, /^data\.train: expected a TensorDataset/);
  await rejects(
    { data: { train, validation: { ...train, target: { ...train.target, values: new Float32Array(3) } } } },
    /^data\.validation\.target\.values: 3 values, but size 20/,
  );
});

test('a task typo is refused instead of running as classification', async () => {
  await rejects(
    { task: 'clasification' as never },
    /^task: expected one of "regression", "classification", got "clasification"/,
  );
});

test('labels outside the class range and float labels for classes are refused', async () => {
  const x = Array.from({ length: 4 }, () => [0, 1, 2, 3, 4, 5]);
  const outside = datasetFromArrays({ inputs: [x], target: [0, 1, 2, 3], task: 'classification' });
  await rejects(
    { student: classifier(3), task: 'classification', data: { train: outside } },
    /^data\.train\.target: example 3 has class 3, outside the student's 3 outputs \(classes 0\.\.2\)/,
  );
  const floats: TensorDataset = {
    ...outside,
    target: { values: Float32Array.from([0, 1, 0.5, 2]), shape: [], dtype: 'float32' },
  };
  await rejects(
    { student: classifier(3), task: 'classification', data: { train: floats } },
    /^data\.train\.target: class labels must be whole numbers \(int32\); example 2 has 0\.5/,
  );
  assert.throws(
    () => datasetFromArrays({ inputs: [x], target: [0, 1.5, 2, 0], task: 'classification' }),
    /^Error: target\[1\]: class labels must be whole numbers >= 0, got 1\.5/,
  );
});

test('a student too shallow for talking is told so', async () => {
  await rejects(
    {
      teacher: denseModel([16, 16], 2, 't'),
      student: denseModel([4], 3, 's'),
      method: { name: 'talking' },
    },
    /talking: the student is too shallow: its communication layers a_1 and a_2 are both "s_h1"/,
  );
});

test('datasetFromArrays takes tensors or arrays, checks that the example counts agree, and predict runs in batches', () => {
  const x = tf.randomNormal([10, 6], 0, 1, 'float32', 1);
  const data = datasetFromArrays({ inputs: [x], target: tf.zeros([10]) });
  assert.deepEqual(data.target.shape, [1]);
  assert.deepEqual(data.inputs[0].shape, [6]);
  assert.throws(
    () => datasetFromArrays({ inputs: [x], target: [1, 2] }),
    /^Error: inputs\[0\]: 10 examples, but target has 2/,
  );
  const model = classifier(3);
  const whole = (model.predict(x) as tf.Tensor).dataSync();
  const batched = predict(model, data, { batchSize: 3 });
  assert.equal(batched.width, 3);
  assert.deepEqual(Array.from(batched.values), Array.from(whole));
  assert.deepEqual(
    Array.from(predictedClasses(batched)),
    Array.from((model.predict(x) as tf.Tensor).argMax(1).dataSync()),
  );
});
