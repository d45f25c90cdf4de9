import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type LayersModel } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { Random } from '../engine/random.js';
import { denseModel, tinyResNet } from '../../test/support/models.js';
import { syntheticRegression } from '../../test/support/synthetic.js';
import { randomTeacher } from './random_teacher.js';
import { distill } from './distill.js';

before(() => initBackend('cpu'));

const weightsOf = (model: LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

test('a random teacher: same architecture, other weights, the same for the same seed', async () => {
  for (const teacher of [
    denseModel([12, 8], 1, 't'),
    tinyResNet([4, 6], 3, 1, { side: 4, channels: 2, name: 't' }),
  ]) {
    const pretrained = weightsOf(teacher);
    const a = await randomTeacher(teacher, new Random(5));
    const b = await randomTeacher(teacher, new Random(5));
    const c = await randomTeacher(teacher, new Random(6));
    assert.deepEqual(
      a.layers.map((l) => l.name),
      teacher.layers.map((l) => l.name),
      'the layer names (communication layers) are kept',
    );
    assert.deepEqual(
      a.getWeights().map((w) => w.shape),
      teacher.getWeights().map((w) => w.shape),
    );
    assert.deepEqual(weightsOf(a), weightsOf(b), 'deterministic per seed');
    assert.notDeepEqual(weightsOf(a), weightsOf(c), 'another seed, other weights');
    // Every kernel is redrawn (biases and norms start at their constants, as untrained).
    const kernels = (m: LayersModel) => weightsOf(m).filter((_, i) => m.getWeights()[i].shape.length >= 2);
    kernels(a).forEach((kernel, i) => assert.notDeepEqual(kernel, kernels(teacher)[i], `kernel ${i}`));
    assert.deepEqual(weightsOf(teacher), pretrained, 'the pre-trained teacher is untouched');
    [a, b, c].forEach((m) => m.dispose());
  }
});

test("teacher.init 'random' distills from an untrained copy seeded by the run, never from the teacher", async () => {
  const data = syntheticRegression({ seed: 3, downstream: 64 });
  const teacher = denseModel([12, 8], 1, 't');
  const pretrained = weightsOf(teacher);
  const run = async (init: 'random' | 'pretrained', seed: number) => {
    const student = denseModel([5, 3], 2, 's');
    await distill({
      teacher,
      student,
      method: { name: 'kd', teacher: { init } },
      task: 'regression',
      data: { train: data.downstream.train },
      training: { epochs: 2, batchSize: 16, seed },
    });
    return weightsOf(student);
  };
  const random = await run('random', 0);
  assert.deepEqual(await run('random', 0), random, 'the same seed draws the same random teacher');
  assert.notDeepEqual(await run('random', 1), await run('pretrained', 1));
  assert.notDeepEqual(await run('pretrained', 0), random);
  assert.deepEqual(weightsOf(teacher), pretrained, 'the pre-trained teacher is untouched');
});
