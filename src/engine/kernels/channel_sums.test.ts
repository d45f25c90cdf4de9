import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

// Sums of up to ~10^4 float32 values, accumulated in different orders and, on wasm, as a mean.
const TOLERANCE = { atol: 1e-3, rtol: 1e-4 };

const cases: [number[], number | number[], boolean][] = [
  [[4, 16, 16, 17], [0, 1, 2], false],
  [[4, 16, 16, 17], [2, 0, 1], true],
  [[4, 16, 16, 6], [-4, -3], false],
  [[300, 20], 0, true],
  [[300, 20], [0, 1], false],
  [[20, 300], 1, false],
  [[4, 16, 16, 8], [0, 2], false],
];

for (const [shape, axis, keepDims] of cases) {
  test(`Sum and Mean of [${shape}] over axes ${String(axis)} (keepDims ${keepDims}) match cpu`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const x = tf.randomNormal(shape, 1, 1, 'float32', 6);
        return [x.sum(axis, keepDims), x.mean(axis, keepDims)];
      },
      TOLERANCE,
      'reduction',
    );
  });
}

test('int32 sums stay exact', async () => {
  await assertWasmMatchesCpu(
    () => tf.range(0, 8000, 1, 'int32').reshape([400, 20]).sum(0),
    { atol: 0, rtol: 0 },
    'int32 sum',
  );
});
