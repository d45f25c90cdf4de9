import { test } from 'node:test';
import { tf } from '../tf.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';

const EXACT = { atol: 0, rtol: 0 };

for (const [shape, reps] of [
  [
    [1, 1, 1, 5],
    [3, 4, 2, 1],
  ],
  [
    [1, 7],
    [9, 1],
  ],
  [
    [1, 1, 3],
    [2, 5, 1],
  ],
  [
    [2, 3],
    [2, 2],
  ],
  [
    [3, 1, 2],
    [1, 4, 3],
  ],
  // Per-example blocks of >= 16 values, copied one by one (global average pooling's gradient).
  [
    [3, 1, 1, 16],
    [1, 4, 5, 1],
  ],
  [
    [2, 1, 20],
    [2, 3, 1],
  ],
  // Every outer axis repeated, the first of them holding 2 blocks.
  [
    [2, 1, 1, 16],
    [3, 2, 5, 1],
  ],
] as [number[], number[]][]) {
  test(`Tile [${shape}] by [${reps}] matches cpu (float32 and int32)`, async () => {
    await assertWasmMatchesCpu(
      () => [
        tf.tile(tf.randomNormal(shape, 0, 1, 'float32', 1), reps),
        tf.tile(
          tf
            .range(
              0,
              shape.reduce((a, b) => a * b, 1),
              1,
              'int32',
            )
            .reshape(shape),
          reps,
        ),
      ],
      EXACT,
      'tile',
    );
  });
}
