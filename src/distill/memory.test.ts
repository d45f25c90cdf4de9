import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { memoryStorage, type RunStorage } from '../storage/storage.js';
import { distill } from './distill.js';
import { syntheticRegression } from '../../test/support/synthetic.js';
import { denseModel as mlp } from '../../test/support/models.js';

before(() => initBackend('wasm'));

const data = syntheticRegression({ seed: 3, downstream: 64 });

test("checkpoints, resume and kd's teacher head leak no tensors", async () => {
  const teacher = mlp([16], 1, 'teacher');
  const student = mlp([8], 2, 'student');
  const run = (storage: RunStorage, resume: boolean, killAtBatch?: number) => {
    let batches = 0;
    return distill({
      teacher,
      student,
      // 'finetune': a new head is fitted on the teacher first, a model kd must dispose of.
      method: { name: 'kd', teacherHead: 'finetune' },
      task: 'regression',
      data: { train: data.downstream.train, validation: data.downstream.validation },
      training: { epochs: 3, batchSize: 16 },
      storage,
      resume,
      events: {
        onBatch: () => {
          if (++batches === killAtBatch) throw new Error('killed');
        },
      },
    });
  };
  await run(memoryStorage(), false); // the first run makes the backend's lasting tensors
  const tensors = tf.memory().numTensors;
  await assert.rejects(run(memoryStorage(), false, 5), /killed/);
  assert.equal(tf.memory().numTensors, tensors, 'after a run killed in the teacher-head fit');
  const storage = memoryStorage();
  await assert.rejects(run(storage, false, 22), /killed/);
  assert.equal(tf.memory().numTensors, tensors, 'after a run killed in the student fit');
  await run(storage, true);
  assert.equal(tf.memory().numTensors, tensors, 'after it resumed: loaded tensors, 12 checkpoints');
  await run(storage, true);
  assert.equal(tf.memory().numTensors, tensors, 'after a resume of the finished run');
});
