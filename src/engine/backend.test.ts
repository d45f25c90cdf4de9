import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tf } from './tf.js';
import { initBackend, type BackendRequest } from './backend.js';

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

test('auto picks tensorflow when tfjs-node is installed, else wasm', async () => {
  assert.equal(await initBackend('auto'), tfjsNodeInstalled ? 'tensorflow' : 'wasm');
});

test(
  'tensorflow without tfjs-node fails with a message that says what to do',
  { skip: tfjsNodeInstalled },
  async () => {
    await assert.rejects(
      initBackend('tensorflow'),
      /needs @tensorflow\/tfjs-node.*Use --backend wasm or cpu/s,
    );
  },
);

test('an unknown backend is rejected with the allowed names', async () => {
  await assert.rejects(
    initBackend('webgpu' as BackendRequest),
    /Unknown backend "webgpu"; expected one of auto, tensorflow, wasm, cpu/,
  );
});

test('an error after the wasm backend loads is reported briefly, not with the runtime source', async () => {
  const script = [
    "const { initBackend } = await import('./src/engine/backend.ts');",
    "await initBackend('wasm');",
    "throw new Error('boom');",
  ].join('\n');
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: new URL('../..', import.meta.url).pathname.replace(/\/dist\/?$/, ''),
    },
  );
  const error = await run.then(
    () => assert.fail('the script should fail'),
    (e: { stderr: string }) => e,
  );
  assert.match(error.stderr, /Error: boom/);
  assert.ok(error.stderr.length < 3000, `stderr is ${error.stderr.length} characters`);
});
