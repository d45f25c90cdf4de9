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

const open = (shift: boolean) =>
  openMovielensGenre(parseMovielensGenreConfig({ genres: ['Action', 'Comedy'], shift }), {
    outDir: join(root, 'out'),
    backend: 'cpu',
    quick: false,
    resume: false,
    dataDir,
    command: 'test',
    progress: quiet,
  });

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
    const teacher = spec.build();
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
