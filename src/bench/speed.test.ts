import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../engine/backend.js';
import { runSpeedBench } from './speed.js';

// Debian's python3-torch, which bench speed --pytorch uses; CI machines may not have it.
const torchMissing = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0;

test(
  'a --batch override reaches PyTorch too, so the ratio compares the same work',
  { skip: torchMissing && 'python3-torch is not installed for /usr/bin/python3' },
  async () => {
    const backend = await initBackend('wasm');
    const result = await runSpeedBench(backend, {
      workloads: ['rec-mlp'],
      steps: 1,
      warmup: 0,
      seed: 0,
      batch: 8,
      pytorch: true,
    });
    assert.ok(result.pytorch && 'version' in result.pytorch, JSON.stringify(result.pytorch));
    assert.deepEqual(
      result.rows.map(({ workload, framework, batch, steps }) => ({ workload, framework, batch, steps })),
      [
        { workload: 'rec-mlp', framework: 'tfjs', batch: 8, steps: 1 },
        { workload: 'rec-mlp', framework: 'pytorch', batch: 8, steps: 1 },
      ],
    );
    const [ours, theirs] = result.rows;
    assert.equal(result.ratios?.['rec-mlp'], ours.msPerStep / theirs.msPerStep);
  },
);
