import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

test('opening a run removes the half-written copies of killed writers, and keeps those of live ones', async () => {
  const out = await mkdtemp(join(tmpdir(), 'tm-cells-'));
  try {
    await openCells(out, {}, false);
    // A process that has exited: its id names no running writer.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = [`cells/student__Action__seed0.json.tmp-${dead}`, `runs/a/b/checkpoint.json.tmp-${dead}`];
    const kept = [`cells/kd__Action__seed0.json.tmp-${process.pid}`, 'cells/kd__Action__seed0.json'];
    for (const file of [...stale, ...kept]) {
      await mkdir(dirname(join(out, file)), { recursive: true });
      await writeFile(join(out, file), '{');
    }
    await openCells(out, {}, true);
    for (const file of stale) assert.equal(existsSync(join(out, file)), false, file);
    for (const file of kept) assert.equal(existsSync(join(out, file)), true, file);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
