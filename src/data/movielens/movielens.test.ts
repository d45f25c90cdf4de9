import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMovieLens } from './load.js';
import { filterGenre, ratingsDataset } from './ratings.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-ml-'));
});
after(() => rm(root, { recursive: true, force: true }));

const GENRES = ['unknown', 'Action', 'Comedy'];

/** A tiny ml-100k folder: 4 users, 3 items; item 1 is Action, item 2 Comedy, item 3 both. */
async function ml100k(name: string, overrides: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const files: Record<string, string | Buffer> = {
    'u.info': '4 users\n3 items\n8 ratings\n',
    'u.genre': GENRES.map((g, i) => `${g}|${i}`).join('\n') + '\n\n',
    // A Latin-1 title byte (0xE9, é), as the real u.item has: not valid UTF-8, must still parse.
    'u.item': Buffer.concat([
      Buffer.from('1|Caf'),
      Buffer.from([0xe9]),
      Buffer.from(
        ' (1995)|01-Jan-1995||http://x|0|1|0\n2|B (1995)|01-Jan-1995||http://x|0|0|1\n3|C|||http://x|0|1|1\n',
      ),
    ]),
    'u1.base':
      '1\t1\t5\t1\n1\t2\t3\t1\n2\t3\t4\t1\n2\t1\t2\t1\n3\t2\t1\t1\n3\t3\t5\t1\n4\t1\t4\t1\n4\t3\t3\t1\n1\t3\t2\t1\n2\t2\t5\t1\n',
    'u1.test': '1\t1\t4\t2\n3\t3\t2\t2\n4\t2\t5\t2\n',
    ...overrides,
  };
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return dir;
}

test('ml-100k: canonical test split, seeded validation, Latin-1 items, genre filter', async () => {
  const dir = await ml100k('ok');
  const { data, splits } = await loadMovieLens('ml-100k', dir, { seed: 1, validationFraction: 0.2 });
  assert.deepEqual([data.users, data.items, data.genres], [4, 3, GENRES]);
  assert.deepEqual(Array.from(splits.test.user), [0, 2, 3]);
  assert.deepEqual(Array.from(splits.test.rating), [4, 2, 5]);
  assert.equal(splits.validation.rating.length, 2);
  assert.equal(splits.train.rating.length, 8);
  const again = await loadMovieLens('ml-100k', dir, { seed: 1, validationFraction: 0.2 });
  assert.deepEqual(again.splits.validation, splits.validation);
  const other = await loadMovieLens('ml-100k', dir, { seed: 2, validationFraction: 0.2 });
  assert.notDeepEqual(
    [other.splits.validation.user, other.splits.validation.item],
    [splits.validation.user, splits.validation.item],
  );
  const action = filterGenre(data, splits.test, 'action');
  assert.deepEqual(Array.from(action.item), [0, 2]);
  const dataset = ratingsDataset(splits.test);
  assert.equal(dataset.size, 3);
  assert.equal(dataset.inputs[0].values, splits.test.user, 'the dataset shares the arrays, no copy');
  assert.throws(
    () => filterGenre(data, splits.test, 'Western'),
    /Unknown genre "Western" in ml-100k; expected one of unknown, Action, Comedy/,
  );
});

const badCases: [string, Record<string, string>, RegExp][] = [
  [
    'a short line',
    { 'u1.test': '1\t1\t4\t2\n3\t3\t2\n' },
    /u1\.test line 2: expected 4 "\\t"-separated fields \(user id, item id, rating, timestamp\), got 3/,
  ],
  [
    'a garbled rating',
    { 'u1.base': '1\t1\tfive\t1\n' },
    /u1\.base line 1: the rating must be a whole number, got "five"/,
  ],
  [
    'an out-of-range item',
    { 'u1.test': '1\t9\t4\t2\n' },
    /u1\.test line 1: the item id must be in 1\.\.3, got 9/,
  ],
  [
    'an out-of-range rating',
    { 'u1.test': '1\t1\t6\t2\n' },
    /u1\.test line 1: the rating must be in 1\.\.5, got 6/,
  ],
  ['an empty file', { 'u1.test': '' }, /u1\.test: empty file/],
  [
    'a wrong genre flag',
    { 'u.item': '1|A|||x|0|2|0\n2|B|||x|0|0|1\n3|C|||x|0|1|1\n' },
    /u\.item line 1: genre flag Action must be in 0\.\.1, got 2/,
  ],
  [
    'an unlisted movie',
    { 'u.item': '1|A|||x|0|1|0\n3|C|||x|0|1|1\n' },
    /u\.item: movie 2 of 3 is not listed/,
  ],
];
for (const [what, overrides, message] of badCases) {
  test(`ml-100k with ${what} fails naming the file and line`, async () => {
    const dir = await ml100k(what.replace(/\W/g, '_'), overrides);
    await assert.rejects(loadMovieLens('ml-100k', dir, { seed: 0 }), message);
  });
}

test('ml-100k with a missing file says which file was expected', async () => {
  const dir = await ml100k('missing');
  await rm(join(dir, 'u1.base'));
  await assert.rejects(
    loadMovieLens('ml-100k', dir, { seed: 0 }),
    /u1\.base: missing \(ratings as .* was expected here\)/,
  );
});

test('ml-1m: "::" files, Latin-1, sparse movie ids mapped densely, 80/10/10 split', async () => {
  const dir = join(root, 'ml-1m');
  await mkdir(dir);
  await writeFile(
    join(dir, 'movies.dat'),
    Buffer.from('10::A (1999)::Action|Comedy\n20::B (2000)::Drama\n35::Caf\xe9::Comedy\n', 'latin1'),
  );
  const lines = Array.from(
    { length: 20 },
    (_, k) => `${(k % 4) + 1}::${[10, 20, 35][k % 3]}::${(k % 5) + 1}::9`,
  );
  await writeFile(join(dir, 'ratings.dat'), lines.join('\n') + '\n');
  const { data, splits } = await loadMovieLens('ml-1m', dir, { seed: 3 });
  assert.deepEqual([data.users, data.items, data.genres], [4, 3, ['Action', 'Comedy', 'Drama']]);
  assert.deepEqual(
    [splits.train.rating.length, splits.validation.rating.length, splits.test.rating.length],
    [16, 2, 2],
  );
  assert.ok(Math.max(...splits.train.item) <= 2);
  await writeFile(join(dir, 'ratings.dat'), '1::99::5::9\n');
  await assert.rejects(
    loadMovieLens('ml-1m', dir, { seed: 3 }),
    /ratings\.dat line 1: movie 99 is not in movies\.dat/,
  );
});

test('ml-latest: quoted CSV titles with commas, half-star ratings, header checks', async () => {
  const dir = join(root, 'ml-latest');
  await mkdir(dir);
  await writeFile(
    join(dir, 'movies.csv'),
    'movieId,title,genres\n1,"American President, The (1995)",Comedy|Romance\n5,"Say ""Hi"" (2001)",(no genres listed)\n9,Heat (1995),Action\n',
  );
  const rows = Array.from({ length: 10 }, (_, k) => `${k + 1},${[1, 5, 9][k % 3]},${(k % 10) / 2 + 0.5},1`);
  await writeFile(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n' + rows.join('\n') + '\n');
  const { data, splits } = await loadMovieLens('ml-latest', dir, { seed: 0 });
  assert.deepEqual(
    [data.items, data.genres, data.ratingRange],
    [3, ['Action', 'Comedy', 'Romance'], [0.5, 5]],
  );
  const all = [...splits.train.rating, ...splits.validation.rating, ...splits.test.rating].sort(
    (a, b) => a - b,
  );
  assert.deepEqual(all, [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);
  await writeFile(join(dir, 'ratings.csv'), 'user,movie,rating,timestamp\n1,1,4,1\n');
  await assert.rejects(
    loadMovieLens('ml-latest', dir, { seed: 0 }),
    /ratings\.csv line 1: expected the header "userId,movieId,rating,timestamp"/,
  );
  await writeFile(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,4\n');
  await assert.rejects(
    loadMovieLens('ml-latest', dir, { seed: 0 }),
    /ratings\.csv line 2: expected 4 comma-separated fields/,
  );
});

const realDir = process.env.TALKING_MODELS_DATA_DIR && join(process.env.TALKING_MODELS_DATA_DIR, 'ml-100k');
test(
  'the real MovieLens 100K loads with its published counts',
  { skip: !realDir || !existsSync(realDir) },
  async () => {
    const { data, splits } = await loadMovieLens('ml-100k', realDir!, { seed: 0 });
    assert.deepEqual([data.users, data.items, data.genres.length], [943, 1682, 19]);
    assert.equal(splits.test.rating.length, 20000);
    assert.equal(splits.train.rating.length + splits.validation.rating.length, 80000);
    assert.equal(splits.validation.rating.length, 8000);
    const action = data.genres.indexOf('Action');
    let actionMovies = 0;
    for (let i = 0; i < data.items; i++) actionMovies += data.itemGenres[i * data.genres.length + action];
    assert.equal(actionMovies, 251);
  },
);
