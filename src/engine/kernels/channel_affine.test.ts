import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu, onBackend } from '../../../test/support/backends.js';

// Products and sums of two float32 values: exact but for division through a reciprocal (1 ulp).
const TOLERANCE = { atol: 1e-6, rtol: 1e-6 };

// Large enough (>= 4096 elements) for the fast path; 7, 17 and 30 channels are not multiples of 4
// (XNNPACK's depthwise convolution), 8 and 64 are (the SIMD loop).
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
  [[1024, 64], [64]],
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

test('a per-channel map of half a million values matches cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = full([2048, 256]);
      const v = vector([256]);
      return [x.add(v), v.mul(x)];
    },
    TOLERANCE,
    'per-channel maps on [2048, 256]',
  );
});

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

// 19 channels take XNNPACK's depthwise convolution, 16 the SIMD loop.
for (const channels of [19, 16]) {
  test(`FusedBatchNorm with and without scale/offset matches cpu (${channels} channels)`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const x = full([4, 8, 8, channels]);
        const mean = tf.randomNormal([channels], 0, 1, 'float32', 5);
        const variance = vector([channels]);
        return [
          tf.batchNorm(x, mean, variance, vector([channels]), vector([channels]), 1e-3),
          tf.batchNorm(x, mean, variance, undefined, undefined, 0.1),
          tf.batchNorm(x, mean.reshape([1, 1, 1, channels]), variance.reshape([1, 1, 1, channels])),
        ];
      },
      { atol: 1e-5, rtol: 1e-5 },
      'batch norm',
    );
  });
}

test('NaN in a per-channel map stays NaN, as on cpu', async () => {
  const compute = () => {
    const x = full([64, 64]).mul(tf.tensor1d([NaN, ...new Array(63).fill(1)]));
    return [x.add(vector([64])), x.mul(vector([64]))];
  };
  const reference = await onBackend('cpu', compute);
  const actual = await onBackend('wasm', compute);
  actual.forEach((out, i) =>
    out.values.forEach((v, j) => {
      if (!Object.is(Number.isNaN(v), Number.isNaN(reference[i].values[j])))
        assert.fail(`output ${i} at ${j}: ${v} vs cpu ${reference[i].values[j]}`);
    }),
  );
});
