import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tf } from './tf.js';
import { backendThreads, defaultThreads, initBackend, THREADS_ENV, type BackendRequest } from './backend.js';

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

test('cpu and wasm initialise and report their names', async () => {
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

// wasm_threads.test runs this file again with TALKING_MODELS_THREADS=2.
test(`wasm computes on ${THREADS_ENV} threads, else on every core, as its thread pool reports`, async () => {
  await initBackend('wasm');
  assert.equal(backendThreads(), Number(process.env[THREADS_ENV] || defaultThreads()));
  await initBackend('wasm', { defaultThreads: 1 });
  assert.equal(
    backendThreads(),
    Number(process.env[THREADS_ENV] || 1),
    "a process's share of the cores replaces the default, not the variable",
  );
  await initBackend('cpu');
  assert.equal(backendThreads(), 1, 'the variable is for wasm: cpu ignores it');
});

test('the default threads are the cores shared among the jobs, at least 1 and at most 8', () => {
  assert.equal(defaultThreads(1, 2), 2);
  assert.equal(defaultThreads(2, 2), 1);
  assert.equal(defaultThreads(3, 2), 1);
  assert.equal(defaultThreads(1, 1), 1);
  assert.equal(defaultThreads(1, 32), 8);
  assert.equal(defaultThreads(2, 32), 8);
  assert.equal(defaultThreads(8, 32), 4);
});

test('auto picks tensorflow when tfjs-node is installed, else wasm', async () => {
  assert.equal(await initBackend('auto'), tfjsNodeInstalled ? 'tensorflow' : 'wasm');
});

test(
  'tensorflow without tfjs-node fails with a message that says what to do',
  { skip: tfjsNodeInstalled && 'tfjs-node is installed here, so the tensorflow backend loads' },
  async () => {
    await assert.rejects(
      initBackend('tensorflow'),
      /Backend "tensorflow" could not be initialised: it needs @tensorflow\/tfjs-node.*Use --backend wasm or cpu/s,
    );
  },
);

test('an unknown backend is rejected with the allowed names', async () => {
  await assert.rejects(
    initBackend('webgpu' as BackendRequest),
    /Unknown backend "webgpu"; expected one of auto, tensorflow, wasm, cpu/,
  );
});

/** Runs a tiny ES module script in a fresh Node process (the repository's sources through tsx). */
async function runScript(lines: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/dist\/?$/, '');
  return promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', lines.join('\n')],
    {
      cwd: root,
    },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

for (const [how, failure] of [
  ['a thrown error', "throw new Error('boom');"],
  ['a rejected promise', "Promise.reject(new Error('boom'));"],
  ['an error in a timer', "setTimeout(() => { throw new Error('boom'); });"],
]) {
  test(`${how} after the wasm backend loads is reported briefly, not with the runtime source`, async () => {
    const { code, stderr } = await runScript([
      "const { initBackend } = await import('./src/engine/backend.ts');",
      "await initBackend('wasm');",
      failure,
    ]);
    assert.equal(code, 1, 'Node exits with 1 on an uncaught error (the runtime handler gave 7)');
    assert.match(stderr, /Error: boom/);
    assert.ok(stderr.length < 3000, `stderr is ${stderr.length} characters:\n${stderr.slice(0, 500)}`);
  });
}

test('the cpu backend does not print the tfjs-node banner, chosen or by default', async () => {
  const { code, stdout, stderr } = await runScript([
    "const { tf } = await import('./src/engine/tf.ts');",
    'tf.tensor([1]).print();',
    "const { initBackend } = await import('./src/engine/backend.ts');",
    "await initBackend('wasm');",
    "await initBackend('cpu');",
    'tf.tensor([2]).print();',
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /\[1\][\s\S]*\[2\]/);
  assert.doesNotMatch(stdout + stderr, /tfjs-node|====/);
});
