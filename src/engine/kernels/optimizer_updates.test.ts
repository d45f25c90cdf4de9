import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { compileOptimizerUpdates, WAT } from '../../../scripts/build-wasm.js';
import { OPTIMIZER_UPDATES_SHARED_WASM, OPTIMIZER_UPDATES_WASM } from './optimizer_updates_wasm.js';

test('the committed WebAssembly of the optimizer updates is what optimizer_updates.wat compiles to', async () => {
  const { unshared, shared } = await compileOptimizerUpdates(await readFile(WAT, 'utf8'));
  const rebuild = 'run `node --import tsx scripts/build-wasm.ts` after editing the .wat';
  assert.equal(Buffer.from(unshared).toString('base64'), OPTIMIZER_UPDATES_WASM, rebuild);
  assert.equal(Buffer.from(shared).toString('base64'), OPTIMIZER_UPDATES_SHARED_WASM, rebuild);
});

test('the shared-memory loops bind to a shared memory like the threaded binary, and only to one', () => {
  const module = new WebAssembly.Module(Buffer.from(OPTIMIZER_UPDATES_SHARED_WASM, 'base64'));
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  assert.ok(new WebAssembly.Instance(module, { env: { memory: shared } }).exports.adam);
  const unshared = new WebAssembly.Memory({ initial: 1 });
  assert.throws(() => new WebAssembly.Instance(module, { env: { memory: unshared } }), WebAssembly.LinkError);
});
