import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../engine/backend.js';
import { denseModel } from '../../test/support/models.js';
import { syntheticRegression } from '../../test/support/synthetic.js';
import type { TeacherSpec } from './experiment.js';
import type { ExperimentProgress } from './progress.js';
import { teacherKey } from './teacher_cache.js';
import { Teachers, weightsHash } from './teachers.js';

const data = syntheticRegression({ seed: 3 }).broad;
const spec: TeacherSpec = {
  id: 'one',
  setup: { test: 'teachers' },
  fingerprint: async () => 'synthetic',
  describe: 'on synthetic rows',
  build: () => denseModel([4], 1, 'teacher'),
  task: 'regression',
  data,
  training: { epochs: 4, batchSize: 32, seed: 5 },
};

/** Progress that logs messages and epochs, and stops the pre-training after `stopAfter` epochs. */
function progress(log: string[], stopAfter = Infinity): ExperimentProgress {
  let epochs = 0;
  return {
    cellStart: () => {},
    cellEnd: () => {},
    message: (line) => log.push(line),
    stop: () => {},
    training: {
      onMessage: (line) => log.push(line),
      onEpochEnd: (record) => {
        log.push(`epoch ${record.epoch}`);
        if (++epochs === stopAfter) throw new Error('killed');
      },
    },
  };
}

let dir: string;
before(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tm-teachers-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('an interrupted teacher pre-training continues from its checkpoint and ends where an uninterrupted one does', async () => {
  const whole = await new Teachers(join(dir, 'whole'), progress([])).get(spec);

  const cacheDir = join(dir, 'interrupted');
  await assert.rejects(new Teachers(cacheDir, progress([], 2)).get(spec), /killed/);
  const training = join(cacheDir, 'teachers', `${teacherKey(spec.setup, 'synthetic')}.training`);
  assert.ok(existsSync(training), 'the killed pre-training left its checkpoint');

  const log: string[] = [];
  const resumed = await new Teachers(cacheDir, progress(log)).get(spec);
  assert.ok(
    // Killed while reporting epoch 2, before its checkpoint: epoch 1's is the last one.
    log.some((line) => /teacher: resuming at phase .*, epoch 2/.test(line)),
    `resumed at epoch 2, not from the start: ${log.join(' | ')}`,
  );
  assert.ok(!log.includes('epoch 1'), 'epoch 1 was not trained again');
  assert.equal(weightsHash(resumed), weightsHash(whole));
  assert.ok(!existsSync(training), 'the checkpoint is removed once the teacher is cached');
});
