import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../engine/backend.js';
import { profileWorkload } from './profile.js';

test('a profiled cnn step lists backend kernels once each (no op wrappers), most expensive first', async () => {
  await initBackend('wasm');
  const profile = await profileWorkload('cnn', { steps: 1, warmup: 0, seed: 0, batch: 2 });
  const names = profile.kernels.map((k) => k.kernel);
  for (const kernel of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Conv2D', 'FusedMomentum']) {
    assert.ok(names.includes(kernel), `${kernel} in ${names.join(', ')}`);
  }
  assert.ok(!names.some((name) => name.endsWith('__op')), names.join(', '));
  assert.equal(profile.kernels.find((k) => k.kernel === 'FusedMomentum')?.callsPerStep, 1);
  const shares = profile.kernels.map((k) => k.share);
  assert.deepEqual(
    shares,
    [...shares].sort((a, b) => b - a),
  );
  const total = shares.reduce((a, b) => a + b, 0) + profile.outside;
  assert.ok(total >= 0.999 && total <= 1.001, `shares and outside add up to ${total}`);
});

test('profiling names an unknown workload and the known ones', async () => {
  await assert.rejects(
    profileWorkload('nope', { steps: 1, warmup: 0, seed: 0 }),
    /Unknown workload "nope"; expected one of rec-mlp, cnn, talking-step, student-step, teacher-forward/,
  );
});
