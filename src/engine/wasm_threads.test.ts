import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.js';
import { backendThreads, initBackend, THREADS_ENV, type BackendSettings } from './backend.js';
import { adam, momentum } from './optimizers.js';
import { FUSED_ADAM, FUSED_MOMENTUM } from './kernels/optimizer_updates.js';
import { loopThreadCount } from './kernels/wasm_loops.js';
import { buildRecommender } from '../models/recommender.js';
import { buildResNet } from '../models/resnet.js';

/** The Emscripten module of the active wasm backend, with what it says about its threads. */
const wasmModule = () =>
  (tf.backend() as BackendWasm).wasm as unknown as {
    tfjs: { getThreadsCount(): number };
    PThread?: { runningWorkers: unknown[] };
  };

test('threads 2 runs the threaded binary on 2 threads, as its thread pool reports', async () => {
  await initBackend('wasm', { threads: 2 });
  const module = wasmModule();
  assert.equal(module.tfjs.getThreadsCount(), 2, 'pthreadpool_get_threads_count of the binary');
  assert.equal(module.PThread?.runningWorkers.length, 1, 'one worker thread beside the calling one');
  assert.equal(backendThreads(), 2);
  assert.equal(loopThreadCount(tf.backend() as BackendWasm), 2, "the kernel pack's loops: one helper thread");
});

test('threads 1 runs the unthreaded SIMD binary, as before threads existed', async () => {
  await initBackend('wasm', { threads: 1 });
  const module = wasmModule();
  assert.equal(module.PThread, undefined, 'no pthread runtime');
  assert.equal(module.tfjs.getThreadsCount(), 1);
  assert.equal(backendThreads(), 1);
  assert.equal(loopThreadCount(tf.backend() as BackendWasm), 1, "the kernel pack's loops: no helper thread");
});

test('a bad thread count, given or in TALKING_MODELS_THREADS, is refused naming the limit; cpu refuses threads above 1', async () => {
  await assert.rejects(
    initBackend('wasm', { threads: 0 }),
    /threads must be a whole number from 1 to 8, got 0/,
  );
  await assert.rejects(
    initBackend('wasm', { threads: 9 }),
    /threads must be a whole number from 1 to 8, got 9/,
  );
  await assert.rejects(
    initBackend('cpu', { threads: 2 }),
    /threads apply to the wasm backend only, not to cpu/,
  );
  const before = process.env[THREADS_ENV];
  process.env[THREADS_ENV] = 'two';
  try {
    await assert.rejects(
      initBackend('wasm'),
      /TALKING_MODELS_THREADS must be a whole number from 1 to 8, got "two"/,
    );
  } finally {
    if (before === undefined) delete process.env[THREADS_ENV];
    else process.env[THREADS_ENV] = before;
  }
});

/**
 * The binaries compared: tfjs's unthreaded SIMD binary (threads 1, the default), and the threaded
 * one with 1 and with 2 threads.
 */
const BINARIES: [string, BackendSettings][] = [
  ['unthreaded', { threads: 1 }],
  ['threaded, 1 thread', { threads: 1, threadedBinary: true }],
  ['threaded, 2 threads', { threads: 2 }],
];

interface Run {
  weights: Float32Array[];
  kernels: Set<string>;
}

/** `steps` training steps of `build`'s model; its weights after them and the kernels the steps ran. */
async function train(
  settings: BackendSettings,
  build: () => tf.LayersModel,
  batch: () => { inputs: tf.Tensor[]; loss: (output: tf.Tensor) => tf.Scalar },
  optimizer: () => tf.Optimizer,
  steps: number,
): Promise<Run> {
  await initBackend('wasm', settings);
  const model = build();
  const { inputs, loss } = batch();
  const opt = optimizer();
  const kernels = new Set<string>();
  for (let step = 0; step < steps; step++) {
    const profile = await tf.profile(() => {
      opt.minimize(() => loss(model.apply(inputs, { training: true }) as tf.Tensor));
    });
    for (const k of profile.kernels) kernels.add(k.name);
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose(inputs);
  opt.dispose();
  model.dispose();
  return { weights, kernels };
}

const bits = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

function assertSameBits(runs: Run[], fused: string, what: string): void {
  for (const [i, run] of runs.entries()) {
    assert.ok(run.kernels.has(fused), `${what}, ${BINARIES[i][0]}: the fused update ran (${fused})`);
    assert.equal(run.weights.length, runs[0].weights.length);
    for (const [w, values] of run.weights.entries()) {
      assert.ok(
        bits(values).equals(bits(runs[0].weights[w])),
        `${what}: weight ${w} on the ${BINARIES[i][0]} binary differs from the unthreaded one`,
      );
    }
  }
}

// Every binary gives the same bits: XNNPACK splits products and convolutions over output tiles,
// never over the summed axis, so each output sums in the same order whatever the thread count.
test('a dense model trained with Adam: bit-identical weights on the unthreaded binary and on 1 and 2 threads', async () => {
  const runs: Run[] = [];
  for (const [, settings] of BINARIES) {
    runs.push(
      await train(
        settings,
        () => buildRecommender({ users: 40, items: 50, embedding: 32, hidden: [256, 64], seed: 3 }),
        () => {
          const users = tf.randomUniform([256, 1], 0, 40, 'int32', 1);
          const items = tf.randomUniform([256, 1], 0, 50, 'int32', 2);
          const ratings = tf.randomUniform([256, 1], 1, 5, 'float32', 3);
          return {
            inputs: [users, items, ratings],
            loss: (output) => tf.losses.meanSquaredError(ratings, output),
          };
        },
        () => adam(0.01),
        4,
      ),
    );
  }
  assertSameBits(runs, FUSED_ADAM, 'dense, Adam');
});

test('a CNN with batch norm trained with SGD momentum: bit-identical weights on the unthreaded binary and on 1 and 2 threads', async () => {
  const runs: Run[] = [];
  for (const [, settings] of BINARIES) {
    runs.push(
      await train(
        settings,
        () =>
          buildResNet({ inputShape: [16, 16, 3], widths: [8, 16], blocksPerStage: 1, classes: 10, seed: 5 }),
        () => {
          const images = tf.randomNormal([16, 16, 16, 3], 0, 1, 'float32', 4);
          const labels = tf.oneHot(tf.randomUniform([16], 0, 10, 'int32', 5), 10);
          return {
            inputs: [images, labels],
            loss: (logits) => tf.losses.softmaxCrossEntropy(labels, logits),
          };
        },
        () => momentum(0.05, 0.9),
        3,
      ),
    );
  }
  assertSameBits(runs, FUSED_MOMENTUM, 'CNN, momentum');
});

/**
 * The kernel pack's checks against the cpu backend (gradients included) and the fused updates'
 * tests, run again in a child process whose wasm backend computes on 2 threads
 * (TALKING_MODELS_THREADS). backend.test checks that the child's backend really has them.
 */
test('the kernel pack matches cpu, gradients included, with 2 threads', async () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const kernels = (await readdir(`${here}kernels`))
    .filter((f) => /\.test\.[jt]s$/.test(f))
    .map((f) => `${here}kernels/${f}`);
  const files = [...kernels, `${here}optimizers.test.${here.includes('/dist/') ? 'js' : 'ts'}`];
  files.push(files.at(-1)!.replace('optimizers.test', 'backend.test'));
  const loader = here.includes('/dist/') ? [] : ['--import', 'tsx'];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...loader, '--test', '--test-concurrency=1', '--test-reporter=tap', ...files],
    // Without the parent's NODE_TEST_CONTEXT the child reports in TAP, not to this test runner.
    { env: { ...process.env, NODE_TEST_CONTEXT: undefined, [THREADS_ENV]: '2' }, maxBuffer: 1 << 24 },
  ).catch((error: { stdout: string }) => assert.fail(`with 2 threads:\n${error.stdout.slice(-4000)}`));
  assert.match(stdout, /# fail 0/);
  assert.match(stdout, /# pass [1-9]/);
});
