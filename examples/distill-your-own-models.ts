// Distill your own teacher into your own student with `talking`, in a few lines.
// Run: node --import tsx examples/distill-your-own-models.ts [outDir]
import * as tf from '@tensorflow/tfjs';
import { distill, evaluate, initBackend, saveModel, type TensorDataset } from '../src/index.js';

const dense = (sizes: number[]) =>
  tf.sequential({
    layers: sizes.map((units, i) =>
      tf.layers.dense({
        units,
        inputShape: i === 0 ? [4] : undefined,
        activation: i < sizes.length - 1 ? 'relu' : 'linear',
      }),
    ),
  });

/** y = sin(3 x0) + x1 x2 (+ seeded noise): a function the teacher learns from plenty of clean data. */
function table(n: number, noise: number, seed: number): TensorDataset {
  const x = tf.randomUniform([n, 4], -1, 1, 'float32', seed);
  const [a, b, c] = tf.split(x, [1, 1, 2], 1).map((t) => t);
  const y = tf
    .sin(a.mul(3))
    .add(b.mul(c.slice([0, 0], [n, 1])))
    .add(tf.randomNormal([n, 1], 0, noise, 'float32', seed + 1));
  const values = x.dataSync() as Float32Array;
  return {
    size: n,
    inputs: [{ values, shape: [4], dtype: 'float32' }],
    target: { values: y.dataSync() as Float32Array, shape: [1], dtype: 'float32' },
  };
}

export async function main(outDir = 'runs/example-student') {
  console.log(`backend: ${await initBackend('auto')}`);
  const teacher = dense([64, 64, 1]); // your big pre-trained model (here: trained just below)
  teacher.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const broad = table(2000, 0, 1);
  await teacher.fit(
    tf.tensor2d(broad.inputs[0].values, [2000, 4]),
    tf.tensor2d(broad.target.values, [2000, 1]),
    { epochs: 20, verbose: 0 },
  );
  const student = dense([8, 8, 1]); // your small downstream model
  const result = await distill({
    teacher,
    student,
    method: { name: 'talking' },
    task: 'regression',
    data: { train: table(100, 0.5, 2), validation: table(50, 0.5, 3) },
    training: { epochs: 20, batchSize: 16 },
  });
  console.log(
    `talking: best epoch ${result.bestEpoch}, test RMSE ${evaluate(student, table(500, 0, 4), 'regression').value.toFixed(3)}`,
  );
  await saveModel(student, outDir); // an ordinary tfjs model: no teacher or encoders needed to use it
  console.log(`saved the student to ${outDir}`);
}

if (process.argv[1]?.includes('distill-your-own-models')) await main(process.argv[2]);
