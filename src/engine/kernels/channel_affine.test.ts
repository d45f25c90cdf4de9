import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

// Products and sums of two float32 values: exact but for division through a reciprocal (1 ulp).
const TOLERANCE = { atol: 1e-6, rtol: 1e-6 };

// Large enough (>= 4096 elements) for the fast path; 7 and 17 channels are not multiples of 4.
const full = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 3);
const vector = (shape: number[]) => tf.randomUniform(shape, 0.5, 2, 'float32', 4);

const shapes: [number[], number[]][] = [
  [[2, 16, 16, 17], [17]],
  [
    [3, 9, 11, 7],
    [1, 1, 1, 7],
  ],
  [[600, 8], []],
  [[600, 8], [1]],
  [
    [5, 40, 30],
    [1, 30],
  ],
];

for (const [xShape, vShape] of shapes) {
  test(`x [${xShape}] with a per-channel [${vShape}] in Multiply/Add/Sub/RealDiv, either side, matches cpu`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const x = full(xShape);
        const v = vector(vShape);
        return [x.mul(v), v.mul(x), x.add(v), v.add(x), x.sub(v), v.sub(x), x.div(v), v.div(x)];
      },
      TOLERANCE,
      `binary ops on [${xShape}] and [${vShape}]`,
    );
  });
}

test('ops the affine path cannot take (non-channel broadcasts, int32) still match cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = full([4, 32, 40]);
      const rows = vector([4, 1, 1]);
      const ints = tf.range(0, 5000, 1, 'int32');
      return [x.mul(rows), x.sub(vector([32, 1])), ints.mul(tf.scalar(3, 'int32'))];
    },
    TOLERANCE,
    'fallbacks',
  );
});

test('FusedBatchNorm with and without scale/offset matches cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = full([4, 8, 8, 19]);
      const mean = tf.randomNormal([19], 0, 1, 'float32', 5);
      const variance = vector([19]);
      return [
        tf.batchNorm(x, mean, variance, vector([19]), vector([19]), 1e-3),
        tf.batchNorm(x, mean, variance, undefined, undefined, 0.1),
        tf.batchNorm(x, mean.reshape([1, 1, 1, 19]), variance.reshape([1, 1, 1, 19])),
      ];
    },
    { atol: 1e-5, rtol: 1e-5 },
    'batch norm',
  );
});
