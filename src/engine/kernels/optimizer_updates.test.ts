import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { compileWat, WAT } from '../../../scripts/build-wasm.js';
import { OPTIMIZER_UPDATES_WASM } from './optimizer_updates_wasm.js';

test('the committed WebAssembly of the optimizer updates is what optimizer_updates.wat compiles to', async () => {
  const compiled = await compileWat('optimizer_updates.wat', await readFile(WAT, 'utf8'));
  assert.equal(
    Buffer.from(compiled).toString('base64'),
    OPTIMIZER_UPDATES_WASM,
    'run `node --import tsx scripts/build-wasm.ts` after editing the .wat',
  );
});
