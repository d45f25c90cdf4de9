import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../test/support/cli.js';
import { resolveThreads } from '../engine/backend.js';

test('bench profile prints the top kernels of each workload with their shares and writes them all as JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-profile-'));
  try {
    const out = join(dir, 'profile.json');
    const { stdout } = await runCli([
      'bench',
      'profile',
      '--backend',
      'wasm',
      '--workloads',
      'rec-mlp',
      '--steps',
      '1',
      '--warmup',
      '0',
      '--batch',
      '8',
      '--top',
      '3',
      '--out',
      out,
    ]);
    assert.match(
      stdout,
      new RegExp(`^backend: wasm, ${resolveThreads()} threads?; load average [\\d.]+`, 'm'),
    );
    assert.match(stdout, /^rec-mlp \(batch 8\): [\d.]+ ms per profiled step$/m);
    assert.match(stdout, /^ {2}\d+ other kernels\s+[\d.]+%$/m);
    assert.match(stdout, /^ {2}outside kernels\s+[\d.]+%$/m);
    const result = JSON.parse(await readFile(out, 'utf8'));
    assert.equal(result.suite, 'profile');
    assert.deepEqual(
      result.profiles.map((p: { workload: string }) => p.workload),
      ['rec-mlp'],
    );
    const kernels = result.profiles[0].kernels.map((k: { kernel: string }) => k.kernel);
    assert.ok(kernels.includes('FusedAdam') && kernels.includes('GatherV2'), kernels.join(', '));
    assert.ok(kernels.length > 3, 'the JSON holds every kernel, not only the top ones');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
