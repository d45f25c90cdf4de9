import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { initBackend } from '../backend.js';
import { loopThreadsOf, setLoopThreads } from './wasm_loops.js';
import { assertWasmMatchesCpu } from '../../../test/support/backends.js';
import { tinyResNet } from '../../../test/support/models.js';

// Sums of up to a few hundred float32 products, accumulated in different orders by the backends.
const TOLERANCE = { atol: 1e-3, rtol: 1e-3 };

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
const cases: {
  x: [number, number, number, number];
  kernel: number;
  out: number;
  stride: number | [number, number];
  pad: Pad;
}[] = [
  { x: [2, 7, 7, 3], kernel: 3, out: 5, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], kernel: 3, out: 5, stride: 2, pad: 'same' },
  { x: [1, 9, 7, 5], kernel: 3, out: 2, stride: 2, pad: 'valid' },
  { x: [3, 8, 8, 6], kernel: 1, out: 7, stride: 2, pad: 'same' },
  { x: [2, 6, 6, 2], kernel: 1, out: 3, stride: 1, pad: 'valid' },
  { x: [2, 10, 9, 3], kernel: 5, out: 4, stride: 3, pad: 'valid' },
  { x: [2, 6, 7, 3], kernel: 3, out: 2, stride: 1, pad: 1 },
  { x: [1, 11, 11, 2], kernel: 4, out: 3, stride: 2, pad: 'same' },
  { x: [3, 10, 9, 5], kernel: 3, out: 6, stride: [2, 1], pad: 'same' },
  {
    x: [2, 12, 12, 4],
    kernel: 3,
    out: 7,
    stride: 2,
    pad: [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
  },
  { x: [5, 8, 8, 16], kernel: 3, out: 8, stride: 2, pad: 'same' },
  // The filter gradient loop takes 2 of these images a call (6144 dy values each): calls of 2, 2, 1.
  { x: [5, 16, 16, 4], kernel: 3, out: 24, stride: 1, pad: 'same' },
];

for (const { x, kernel, out, stride, pad } of cases) {
  test(`conv2d gradients (x ${x}, ${kernel}x${kernel}, ${out} filters, stride ${String(stride)}, pad ${JSON.stringify(pad)}) match cpu`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const input = tf.randomNormal(x, 0, 1, 'float32', 1) as tf.Tensor4D;
        const filter = tf.randomNormal([kernel, kernel, x[3], out], 0, 1, 'float32', 2) as tf.Tensor4D;
        // A random weighting makes every output position's gradient distinct, in every image.
        const weight = tf.randomNormal(tf.conv2d(input, filter, stride, pad).shape, 0, 1, 'float32', 3);
        const grads = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, f as tf.Tensor4D, stride, pad)
            .mul(weight)
            .sum(),
        );
        return grads([input, filter]);
      },
      TOLERANCE,
      'conv2d gradients',
    );
  });
}

// tfjs's Conv2D gradient rejects dilation > 1 on every backend, so the backprop kernels never get a
// dilation; this keeps that premise checked if a tfjs upgrade changes it.
test('tfjs still rejects gradients of dilated convolutions, which these kernels assume', async () => {
  await initBackend('wasm');
  const input = tf.randomNormal([1, 5, 5, 1]) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 3, 1, 1]);
  assert.throws(
    () => tf.grad((f: tf.Tensor) => tf.conv2d(input, f as tf.Tensor4D, 1, 'same', 'NHWC', 2).sum())(filter),
    /dilation rates greater than 1 are not yet supported/,
  );
});

// The first net's tensors are all below the size where the per-channel kernels take over (4096
// elements); the second's first stages are above it, so both paths of the batch-norm gradient run.
for (const { size, batch, widths } of [
  { size: 8, batch: 4, widths: [4, 6, 8] },
  { size: 16, batch: 8, widths: [8, 12, 16] },
]) {
  test(`gradients of a residual net with batch norm (${batch}x${size}x${size}, widths ${widths}) match cpu`, async () => {
    await assertWasmMatchesCpu(
      () => {
        const model = tinyResNet(widths, 5, 9, { side: size });
        const images = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 5);
        const labels = tf.oneHot(
          tf.tensor1d(
            Array.from({ length: batch }, (_, i) => (i * 3) % 5),
            'int32',
          ),
          5,
        );
        const { grads } = tf.variableGrads(() =>
          tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor),
        );
        const out = Object.keys(grads)
          .sort()
          .map((name) => grads[name]);
        model.dispose();
        return out;
      },
      TOLERANCE,
      'resnet gradients',
    );
  });
}

// 3x3 taps of 3 channels are 27 filter rows, 7 blocks of 4; 12 output channels are padded to
// 16. 4 images a call, so the 18 images take 5 calls in 4 groups (2, 1, 1, 1 calls) with a
// partial dW each.
test('the filter gradient claimed by 2 and 3 threads is bit-identical to the loop on one thread', async () => {
  const filterGradient = () => {
    const x = tf.randomNormal([18, 16, 16, 3], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([18, 16, 16, 12], 0, 1, 'float32', 2);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 12] };
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
    return Buffer.from((dw.dataSync() as Float32Array).buffer);
  };
  await initBackend('wasm', { threads: 1 });
  const one = filterGradient();
  for (const threads of [2, 3]) {
    await initBackend('wasm', { threads });
    const backend = tf.backend() as BackendWasm;
    const helpers = loopThreadsOf(backend)!;
    assert.equal(helpers.count, threads - 1);
    // This thread sleeps 20 ms after each chunk it claims, so that the helpers claim some of them.
    const chunks: number[] = [];
    const claimed: number[] = [];
    const pause = new Int32Array(new SharedArrayBuffer(4));
    setLoopThreads(backend, {
      count: helpers.count,
      start: (module, name, started) => {
        chunks.push(started.length);
        helpers.start(module, name, started);
      },
      claim: () => {
        const k = helpers.claim();
        if (k < chunks[0]) claimed.push(k);
        Atomics.wait(pause, 0, 0, 20);
        return k;
      },
      wait: () => helpers.wait(),
    });
    const split = filterGradient();
    setLoopThreads(backend, helpers);
    assert.deepEqual(chunks, [4], `${threads} threads: one run of 4 chunks`);
    assert.ok(claimed.length < 4, `${threads} threads: the helpers ran none of the chunks`);
    assert.ok(split.equals(one), `${threads} threads: dW differs from the one-thread loop's`);
  }
});
