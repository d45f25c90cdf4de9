import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { loadMovieLens } from '../../data/movielens/load.js';
import { filterGenre, type MovieLens, type RatingSplits } from '../../data/movielens/ratings.js';
import type { TensorDataset } from '../../data/dataset.js';
import { quietProgress as quiet } from '../../../test/support/progress.js';
import { teacherKey } from '../teacher_cache.js';
import { writeMovieLensFixture } from '../../../test/support/movielens.js';
import { parseMovielensGenreConfig } from './config.js';
import { openMovielensGenre } from './experiment.js';
import { meanRating } from './teacher.js';
import { tf, type LayersModel } from '../../engine/tf.js';
import { evaluate } from '../../distill/evaluate.js';
import { Teachers } from '../teachers.js';
import type { TeacherSpec } from '../experiment.js';
import { assertClose } from '../../../test/support/backends.js';

let root: string;
let dataDir: string;
let data: MovieLens;
let splits: RatingSplits;
before(async () => {
  await initBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'tm-e1-shift-'));
  dataDir = await writeMovieLensFixture(root, 'ml-100k');
  // The config's defaults: the same split the experiment draws.
  ({ data, splits } = await loadMovieLens('ml-100k', join(dataDir, 'ml-100k'), { seed: 0, split: 'u1' }));
});
after(() => rm(root, { recursive: true, force: true }));

const openWith = (input: object) =>
  openMovielensGenre(parseMovielensGenreConfig({ genres: ['Action', 'Comedy'], ...input }), {
    outDir: join(root, 'out'),
    backend: 'cpu',
    quick: false,
    resume: false,
    dataDir,
    command: 'test',
    progress: quiet,
  });
const open = (shift: boolean) => openWith({ shift });
const keyOf = async (spec: TeacherSpec) => teacherKey(spec.setup, await spec.fingerprint());

const items = (d: TensorDataset) => [...(d.inputs[1].values as Int32Array)];
const flagged = (item: number, genre: string) =>
  data.itemGenres[item * data.genres.length + data.genres.indexOf(genre)] === 1;

test("E1-shift: each genre's teacher learns and early-stops on every rating but the genre's movies", async () => {
  const experiment = await open(true);
  for (const genre of ['Action', 'Comedy']) {
    const spec = experiment.teacherFor(genre);
    assert.equal(spec.id, `without ${genre}`);
    for (const part of ['train', 'validation'] as const) {
      const seen = items(spec.data[part]);
      assert.ok(!seen.some((item) => flagged(item, genre)), `${genre} ${part}: a ${genre} movie is in`);
      assert.equal(
        seen.length,
        splits[part].rating.length - filterGenre(data, splits[part], genre).rating.length,
        `${genre} ${part}: every other rating is in`,
      );
      const other = genre === 'Action' ? 'Comedy' : 'Action';
      assert.ok(
        seen.some((item) => flagged(item, other)),
        `${genre} ${part}: the other genres are in`,
      );
    }
    // Its output starts at the mean of what it learns from, not of all ratings.
    const teacher = spec.build(0);
    const [, bias] = teacher.getLayer('rating').getWeights();
    const train = spec.data.train.target.values as Float32Array;
    assert.ok(Math.abs(bias.dataSync()[0] - meanRating({ ...splits.train, rating: train })) < 1e-5);
    teacher.dispose();
  }
  const keys = await Promise.all(
    ['Action', 'Comedy'].map(async (g) => {
      const spec = experiment.teacherFor(g);
      return teacherKey(spec.setup, await spec.fingerprint());
    }),
  );
  const e1 = (await open(false)).teacherFor('Action');
  keys.push(teacherKey(e1.setup, await e1.fingerprint()));
  assert.equal(new Set(keys).size, 3, 'each genre has its own cache key, neither is E1 teacher');
});

test('E1: one teacher for every genre, on all training and validation ratings', async () => {
  const experiment = await open(false);
  const [action, comedy] = ['Action', 'Comedy'].map((g) => experiment.teacherFor(g));
  assert.equal(action, comedy);
  assert.equal(action.id, 'all genres');
  assert.equal(action.data.train.size, splits.train.rating.length);
  assert.equal(action.data.validation.size, splits.validation.rating.length);
});

test('teacher.members: in the cache key (absent for one, so that cached teachers stay valid), and for E1-shift too', async () => {
  const one = (await openWith({ teacher: { members: 1 } })).teacherFor('Action');
  assert.ok(!('members' in (one.setup as object)), 'a teacher of one member keeps the key it had');
  assert.equal(one.members, undefined);
  const keys = new Set([await keyOf(one)]);
  for (const members of [2, 4])
    keys.add(await keyOf((await openWith({ teacher: { members } })).teacherFor('Action')));
  keys.add(await keyOf((await openWith({})).teacherFor('Action')));
  assert.equal(keys.size, 3, 'each member count has its own key, and 4 is the default');
  const shift = await openWith({ shift: true, teacher: { members: 2 } });
  for (const genre of ['Action', 'Comedy']) {
    const spec = shift.teacherFor(genre);
    assert.equal(spec.members?.count, 2, `${genre}: the shift teacher has the members E1's has`);
    assert.notEqual(await keyOf(spec), await keyOf((await openWith({ shift: true })).teacherFor(genre)));
  }
});

test('a teacher of 2 members is the mean of the teachers trained alone with training seeds seed and seed + 1', async () => {
  const teacherTraining = { epochs: 3, batchSize: 128, patience: 2, seed: 3, clip: [1, 5] };
  const log: string[] = [];
  const teachers = new Teachers(join(root, 'cache-members'), { ...quiet, message: (line) => log.push(line) });
  const spec = (await openWith({ teacher: { members: 2 }, teacherTraining })).teacherFor('Action');
  const model = await teachers.get(spec);
  // Each single teacher in a run of its own, as E1 with that training seed would train it.
  const singles = [];
  for (const seed of [3, 4]) {
    const alone = new Teachers(join(root, 'cache-alone'), quiet);
    const single = (
      await openWith({ teacher: { members: 1 }, teacherTraining: { ...teacherTraining, seed } })
    ).teacherFor('Action');
    singles.push({
      model: await alone.get(single),
      info: alone.pretraining().pretraining['all genres'],
      alone,
    });
  }
  const inputs = spec.data.validation.inputs.map((c) =>
    tf.tensor2d(c.values as Int32Array, [c.values.length, 1], 'int32'),
  );
  const predict = (m: LayersModel) => (m.predict(inputs) as tf.Tensor).dataSync();
  const [a, b] = singles.map((s) => predict(s.model));
  assertClose(
    predict(model),
    Array.from(a, (v, i) => (v + b[i]) / 2),
    { atol: 1e-5, rtol: 0 },
  );
  assert.ok(
    a.some((v, i) => Math.abs(v - b[i]) > 1e-3),
    'the members differ',
  );

  const { members, pretraining } = teachers.pretraining();
  assert.equal(members, 2);
  const info = pretraining['all genres'];
  assert.deepEqual(
    info.members,
    singles.map((s, k) => ({ seed: 3 + k, ...s.info })),
    "each member's pre-training is the single teacher's",
  );
  const validation = evaluate(model, spec.data.validation, 'regression', { clip: [1, 5] }).value;
  assert.ok(Math.abs(info.validation - validation) < 1e-9, 'the assembled teacher is validated');
  for (const k of [1, 2])
    assert.ok(
      log.some((line) =>
        line.startsWith(`pre-training the teacher, member ${k} of 2 (training seed ${2 + k}), on `),
      ),
      log.join(' | '),
    );
  for (const t of [teachers, ...singles.map((s) => s.alone)]) t.dispose();
});
