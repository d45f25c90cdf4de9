import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tf, type LayersModel } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { Random } from '../engine/random.js';
import { assertClose } from '../../test/support/backends.js';
import { evaluate } from '../distill/evaluate.js';
import { ratingsDataset } from '../data/movielens/ratings.js';
import { randomTeacher } from '../distill/random_teacher.js';
import { assembleMembers } from './assemble_members.js';
import { buildRecommender, type RecommenderConfig } from './recommender.js';
import { ModelGraph } from './cut.js';
import { loadModel, saveModel } from './io.js';

const shape: Omit<RecommenderConfig, 'seed'> = {
  users: 7,
  items: 9,
  embedding: 4,
  hidden: [],
  biases: true,
  factors: 3,
};
const users = () => tf.tensor2d([0, 3, 3, 6, 5, 0, 1, 2], [8, 1], 'int32');
const items = () => tf.tensor2d([8, 2, 2, 0, 4, 1, 7, 6], [8, 1], 'int32');

/** A member as training leaves it: every weight (biases, rating weights and bias too) moved off its start. */
function trainedMember(config: Omit<RecommenderConfig, 'seed'>, seed: number): LayersModel {
  const model = buildRecommender({ ...config, seed, outputBias: 3.5 });
  const random = new Random(100 + seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        Array.from(w.dataSync(), (v) => v + random.next() * 1.5 - 0.5),
        w.shape,
      ),
    ),
  );
  return model;
}

const predict = (model: LayersModel) =>
  (model.predict([users(), items()]) as tf.Tensor).dataSync() as Float32Array;

before(() => initBackend('cpu'));

for (const biases of [true, false]) {
  test(`an assembled teacher's output is the mean of its members' (${biases ? 'with' : 'without'} biases)`, () => {
    const config = { ...shape, biases };
    const members = [0, 1, 2].map((seed) => trainedMember(config, seed));
    const model = assembleMembers(members, { ...config, seed: 0, outputBias: 3.5 });
    const each = members.map(predict);
    const mean = Array.from(each[0], (_, i) => each.reduce((sum, p) => sum + p[i], 0) / each.length);
    // The members differ, so a wrong weight layout could not pass by accident.
    assert.ok(Math.abs(each[0][0] - each[1][0]) > 0.1);
    assertClose(predict(model), mean, { atol: 1e-5, rtol: 0 });
  });
}

test('the clip to the rating range applies after the mean, as the evaluation clips one model', () => {
  const members = [0, 1].map((seed) => trainedMember(shape, seed));
  const model = assembleMembers(members, { ...shape, seed: 0, outputBias: 3.5 });
  const each = members.map(predict);
  const ratings = [5, 3, 4, 1, 2, 5, 4, 3];
  const mean = each[0].map((p, i) => (p + each[1][i]) / 2);
  // Some of the mean beyond the scale, so that the clip does something; clipping each member
  // before the mean would give another value.
  assert.ok(
    mean.some((p) => p > 5 || p < 1),
    `mean ${Array.from(mean)}`,
  );
  const clipped = mean.map((p) => Math.min(5, Math.max(1, p)));
  const rmse = Math.sqrt(clipped.reduce((sum, p, i) => sum + (p - ratings[i]) ** 2, 0) / ratings.length);
  const data = ratingsDataset({
    user: users().dataSync() as Int32Array,
    item: items().dataSync() as Int32Array,
    rating: Float32Array.from(ratings),
  });
  const value = evaluate(model, data, 'regression', { clip: [1, 5] }).value;
  assert.ok(Math.abs(value - rmse) < 1e-5, `${value} against ${rmse}`);
});

test('an assembled teacher keeps the layers methods cut at, with all members in each, and saves and loads', async () => {
  const members = [0, 1, 2].map((seed) => trainedMember(shape, seed));
  const model = assembleMembers(members, { ...shape, seed: 0, outputBias: 3.5 });
  const graph = new ModelGraph(model);
  assert.equal(graph.lowerCut(), 'concat');
  assert.equal(graph.penultimate(), 'factors');
  // Each member: two vectors of 4 and two biases; three products and two biases.
  assert.deepEqual(graph.stateShape('concat'), [3 * 10]);
  assert.deepEqual(graph.stateShape('factors'), [3 * 5]);
  const { concat } = graph.run({ user: users(), item: items() }, ['concat'], false);
  const { factors } = graph.run({ concat }, ['factors'], false);
  assertClose(graph.run({ factors }, ['rating'], false).rating.dataSync(), predict(model), {
    atol: 1e-6,
    rtol: 0,
  });
  const dir = await mkdtemp(join(tmpdir(), 'tm-members-'));
  try {
    await saveModel(model, join(dir, 'model'));
    const loaded = await loadModel(join(dir, 'model'));
    assert.deepEqual(Array.from(predict(loaded)), Array.from(predict(model)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('members are refused for a model that is not a pure factorisation, and none at all', () => {
  assert.throws(
    () =>
      assembleMembers([trainedMember({ ...shape, hidden: [4] }, 0)], {
        ...shape,
        hidden: [4],
        seed: 0,
        outputBias: 3.5,
      }),
    /members need a pure factorisation \(factors > 0, hidden: \[\]\), got factors 3 and hidden \[4\]/,
  );
  assert.throws(() => assembleMembers([], { ...shape, seed: 0, outputBias: 3.5 }), /no members to assemble/);
});

test("an assembled teacher's untrained clone (the random-teacher control) starts at its members' output bias", async () => {
  const members = [0, 1, 2].map((seed) => trainedMember(shape, seed));
  const model = assembleMembers(members, { ...shape, seed: 0, outputBias: 3.5 });
  const clone = await randomTeacher(model, new Random(5));
  const [, bias] = clone.getLayer('rating').getWeights();
  assert.deepEqual(Array.from(bias.dataSync()), [3.5]);
  for (const m of [...members, model, clone]) m.dispose();
});
