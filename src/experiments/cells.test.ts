import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCells } from './cells.js';

test('a resumed run may list its config keys in another order, but not change a value', async () => {
  const out = await mkdtemp(join(tmpdir(), 'tm-cells-'));
  try {
    await openCells(out, { knobs: { kd: 1, fitnet: 2 }, seeds: 5 }, false);
    await openCells(out, { seeds: 5, knobs: { fitnet: 2, kd: 1 } }, true);
    await assert.rejects(
      openCells(out, { seeds: 5, knobs: { fitnet: 3, kd: 1 } }, true),
      /holds a run of another configuration/,
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
