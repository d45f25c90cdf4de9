import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

// float32 products of up to ~100 terms: the backends sum in different orders.
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
  { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
  { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
  { a: [5, 7], b: [3, 5], transposeA: true, transposeB: true },
  { a: [4, 9, 6], b: [4, 9, 2], transposeA: true, transposeB: false },
  { a: [2, 3, 6, 9], b: [2, 3, 4, 9], transposeA: false, transposeB: true },
  // The batch dimension of b broadcasts against a's.
  { a: [3, 9, 6], b: [1, 4, 9], transposeA: true, transposeB: true },
  { a: [64, 100], b: [64, 33], transposeA: true, transposeB: false },
  // Aᵀ·B with A the narrower operand runs as (Bᵀ·A)ᵀ, also with a broadcast batch.
  { a: [50, 20], b: [50, 70], transposeA: true, transposeB: false },
  { a: [3, 9, 4], b: [1, 9, 11], transposeA: true, transposeB: false },
  { a: [1, 9, 4], b: [2, 9, 11], transposeA: true, transposeB: false },
];

for (const { a, b, transposeA, transposeB } of cases) {
  test(`BatchMatMul [${a}]${transposeA ? 'ᵀ' : ''} x [${b}]${transposeB ? 'ᵀ' : ''} matches cpu`, async () => {
    await assertWasmMatchesCpu(
      () =>
        tf.matMul(
          tf.randomNormal(a, 0, 1, 'float32', 1),
          tf.randomNormal(b, 0, 1, 'float32', 2),
          transposeA,
          transposeB,
        ),
      TOLERANCE,
      'matMul',
    );
  });
}

for (const activation of ['linear', 'relu'] as const) {
  test(`fused matMul with bias and ${activation}, transposed operands, matches cpu`, async () => {
    await assertWasmMatchesCpu(
      () =>
        tf.fused.matMul({
          a: tf.randomNormal([6, 11], 0, 1, 'float32', 3),
          b: tf.randomNormal([5, 6], 0, 1, 'float32', 4),
          transposeA: true,
          transposeB: true,
          bias: tf.randomNormal([5], 0, 1, 'float32', 5),
          activation,
        }),
      TOLERANCE,
      'fused matMul',
    );
  });
}

test('gradients of a dense layer stack match cpu', async () => {
  await assertWasmMatchesCpu(
    () => {
      const x = tf.randomNormal([16, 12], 0, 1, 'float32', 6);
      const w1 = tf.randomNormal([12, 8], 0, 1, 'float32', 7);
      const w2 = tf.randomNormal([8, 3], 0, 1, 'float32', 8);
      const grads = tf.grads((w1: tf.Tensor, w2: tf.Tensor) =>
        tf.relu(x.matMul(w1)).matMul(w2).square().sum(),
      );
      return grads([w1, w2]);
    },
    { atol: 1e-3, rtol: 1e-4 },
    'dense gradients',
  );
});

// The backend caches XNNPACK's packed right operand by tensor id alone: the same data as a right
// operand again, with other inner dimensions, must not run on the first shape's packing.
const sharedRightOperands: { name: string; second: (w: tf.Tensor2D) => tf.Tensor }[] = [
  {
    name: 'reshaped',
    second: (w) => tf.matMul(tf.randomNormal([8, 1], 0, 1, 'float32', 11), w.reshape([1, 64])),
  },
  // [64, 1] transposed moves no data, so its transpose shares it.
  {
    name: 'transposed',
    second: (w) => tf.matMul(tf.randomNormal([8, 1], 0, 1, 'float32', 11), w, false, true),
  },
];
for (const { name, second } of sharedRightOperands) {
  test(`a right operand used again ${name} to other inner dimensions matches cpu`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const w = tf.randomNormal([64, 1], 0, 1, 'float32', 9) as tf.Tensor2D;
        const first = tf.matMul(tf.randomNormal([8, 64], 0, 1, 'float32', 10), w);
        return [first, second(w)];
      },
      TOLERANCE,
      `${name} right operand`,
    );
  });
}
