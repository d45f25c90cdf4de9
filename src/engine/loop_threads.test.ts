import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerLoopThreads } from './loop_threads.js';
import { CONV_FILTER_GRADIENT_SHARED_WASM } from './kernels/conv_filter_gradient_wasm.js';

const module = new WebAssembly.Module(Buffer.from(CONV_FILTER_GRADIENT_SHARED_WASM, 'base64'));

/**
 * A call of the filter-gradient loop on one pixel: dw (4 x 8 at `dw`) += x[tap k] * dy[0..7],
 * with x at byte 0, the 4 tap offsets at 64, dy at 128.
 */
const call = (dw: number, x = 0) => [x, 128, dw, 64, 1, 1, 1, 1, 1, 0, 0, 0];

/** A shared memory holding x, the tap offsets and dy of `call`. */
function sharedMemory() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const floats = new Float32Array(memory.buffer);
  floats.set([1, 2, 3, 4], 0);
  new Int32Array(memory.buffer).set([0, 4, 8, 12], 16);
  floats.set([1, 10, 100, 1000, -1, -10, -100, -1000], 32);
  return { memory, floats };
}

test('helper threads run their calls on the shared memory, report a failed call, and keep working after it', async () => {
  const { memory, floats } = sharedMemory();
  const threads = await WorkerLoopThreads.start(memory, 2);
  try {
    assert.equal(threads.count, 2);
    // Helper 0 adds twice into dw at byte 256, helper 1 once into dw at byte 512.
    threads.start(module, 'filterGradient', [[call(256), call(256)], [call(512)]]);
    threads.wait();
    assert.deepEqual([...floats.subarray(64, 72)], [2, 20, 200, 2000, -2, -20, -200, -2000]);
    assert.deepEqual([...floats.subarray(64 + 24, 72 + 24)], [8, 80, 800, 8000, -8, -80, -800, -8000]);
    assert.deepEqual([...floats.subarray(128, 136)], [1, 10, 100, 1000, -1, -10, -100, -1000]);

    threads.start(module, 'filterGradient', [[call(256)], [call(512, 1 << 30)]]);
    assert.throws(
      () => threads.wait(),
      /a helper thread of the wasm loops failed: RuntimeError: memory access out of bounds/,
    );

    floats.fill(0, 128, 160);
    threads.start(module, 'filterGradient', [[], [call(512)]]);
    threads.wait();
    assert.deepEqual([...floats.subarray(128, 136)], [1, 10, 100, 1000, -1, -10, -100, -1000]);
  } finally {
    threads.terminate();
  }
});

test('the calling thread and the helpers claim every chunk exactly once', async () => {
  const { memory, floats } = sharedMemory();
  const own = new WebAssembly.Instance(module, { env: { memory } }).exports as {
    filterGradient(...args: number[]): void;
  };
  const threads = await WorkerLoopThreads.start(memory, 2);
  try {
    // Chunk k adds once into its own dw, 128 bytes apart from byte 256 on.
    const chunks = Array.from({ length: 12 }, (_, k) => [call(256 + 128 * k)]);
    threads.start(module, 'filterGradient', chunks);
    for (let k = threads.claim(); k < chunks.length; k = threads.claim()) own.filterGradient(...chunks[k][0]);
    threads.wait();
    for (let k = 0; k < chunks.length; k++) {
      const at = (256 + 128 * k) / 4;
      assert.deepEqual(
        [...floats.subarray(at, at + 8)],
        [1, 10, 100, 1000, -1, -10, -100, -1000],
        `chunk ${k}`,
      );
    }
  } finally {
    threads.terminate();
  }
});
