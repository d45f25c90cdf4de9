import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMovieLens } from './load.js';
import { readMl100k, readMl100kRatings } from './ml100k.js';
import { excludeGenre, filterGenre, ratingsDataset } from './ratings.js';
import { skipWithoutRealData } from '../../../test/support/real_data.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-ml-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function folder(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return dir;
}

const GENRES = ['unknown', 'Action', 'Comedy'];

/** A tiny ml-100k folder: 4 users, 3 items; item 1 is Action, item 2 Comedy, item 3 both. */
function ml100k(name: string, overrides: Record<string, string | Buffer> = {}): Promise<string> {
  return folder(name, {
    'u.info': '4 users\n3 items\n8 ratings\n',
    'u.genre': GENRES.map((g, i) => `${g}|${i}`).join('\n') + '\n\n',
    // A Latin-1 title byte (0xE9, é) as in the real u.item, which is not valid UTF-8.
    'u.item': Buffer.from(
      '1|Caf\xe9 (1995)|01-Jan-1995||http://x|0|1|0\r\n2|B (1995)|01-Jan-1995||http://x|0|0|1\r\n3|C|||http://x|0|1|1\r\n',
      'latin1',
    ),
    'u1.base':
      '1\t1\t5\t1\n1\t2\t3\t1\n2\t3\t4\t1\n2\t1\t2\t1\n3\t2\t1\t1\n3\t3\t5\t1\n4\t1\t4\t1\n4\t3\t3\t1\n1\t3\t2\t1\n2\t2\t5\t1\n',
    'u1.test': '1\t1\t4\t2\n3\t3\t2\t2\n4\t2\t5\t2',
    'u2.test': '2\t2\t1\t2\n',
    'u2.base': '1\t1\t5\t1\n',
    ...overrides,
  });
}

test('ml-100k: canonical test split, seeded validation, Latin-1 titles, genre filter, dataset', async () => {
  const dir = await ml100k('ok');
  const { data, splits } = await loadMovieLens('ml-100k', dir, { seed: 1, validationFraction: 0.2 });
  assert.deepEqual([data.users, data.items, data.genres], [4, 3, GENRES]);
  assert.equal(data.titles[0], 'Café (1995)');
  assert.deepEqual(Array.from(data.itemGenres), [0, 1, 0, 0, 0, 1, 0, 1, 1]);
  // The test file lacks a final newline; its last rating still counts.
  assert.deepEqual(Array.from(splits.test.user), [0, 2, 3]);
  assert.deepEqual(Array.from(splits.test.item), [0, 2, 1]);
  assert.deepEqual(Array.from(splits.test.rating), [4, 2, 5]);
  assert.deepEqual([splits.train.rating.length, splits.validation.rating.length], [8, 2]);
  const key = (r: typeof splits.train) => Array.from(r.user, (u, k) => `${u}/${r.item[k]}`).sort();
  assert.deepEqual(
    [...key(splits.train), ...key(splits.validation)].sort(),
    key(await readMl100kRatings(join(dir, 'u1.base'), data)),
    'train and validation partition the base file',
  );
  const again = await loadMovieLens('ml-100k', dir, { seed: 1, validationFraction: 0.2 });
  assert.deepEqual(again.splits.validation, splits.validation);
  const seeds = await Promise.all(
    [2, 3, 4].map((seed) => loadMovieLens('ml-100k', dir, { seed, validationFraction: 0.2 })),
  );
  assert.ok(
    seeds.some((s) => JSON.stringify(key(s.splits.validation)) !== JSON.stringify(key(splits.validation))),
    'another seed holds out other ratings',
  );
  const other = await loadMovieLens('ml-100k', dir, { seed: 1, split: 'u2' });
  assert.deepEqual([Array.from(other.splits.test.user), other.splits.train.rating.length], [[1], 1]);

  const action = filterGenre(data, splits.test, 'action');
  assert.deepEqual(
    [Array.from(action.item), Array.from(action.rating)],
    [
      [0, 2],
      [4, 2],
    ],
  );
  // E1-shift's teacher data: everything but the genre's movies, so the two partition the ratings.
  const notAction = excludeGenre(data, splits.test, 'Action');
  assert.deepEqual(Array.from(notAction.item), [1]);
  assert.equal(action.rating.length + notAction.rating.length, splits.test.rating.length);
  const dataset = ratingsDataset(splits.test);
  assert.equal(dataset.size, 3);
  assert.deepEqual(
    dataset.inputs.map((c) => [c.shape, c.dtype]),
    [
      [[1], 'int32'],
      [[1], 'int32'],
    ],
  );
  assert.deepEqual([dataset.target.shape, dataset.target.dtype], [[1], 'float32']);
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
    /u1\.test line 2: expected 4 tab-separated fields \(user id, item id, rating, timestamp\), got 3/,
  ],
  [
    'a garbled line',
    { 'u1.base': '1\t1\t5\t1\n1 1 5 1\n' },
    /u1\.base line 2: expected 4 tab-separated fields .*, got 1/,
  ],
  [
    'a word for a rating',
    { 'u1.base': '1\t1\tfive\t1\n' },
    /u1\.base line 1: the rating must be a whole number, got "five"/,
  ],
  [
    'a fractional rating',
    { 'u1.base': '1\t1\t4.5\t1\n' },
    /u1\.base line 1: the rating must be a whole number, got "4\.5"/,
  ],
  [
    'a hexadecimal id',
    { 'u1.base': '0x1\t1\t4\t1\n' },
    /u1\.base line 1: the user id must be a whole number, got "0x1"/,
  ],
  [
    'an empty field',
    { 'u1.base': '1\t\t4\t1\n' },
    /u1\.base line 1: the item id must be a whole number, got ""/,
  ],
  [
    'an out-of-range item',
    { 'u1.test': '1\t9\t4\t2\n' },
    /u1\.test line 1: the item id must be in 1\.\.3, got 9/,
  ],
  [
    'an out-of-range user',
    { 'u1.test': '0\t1\t4\t2\n' },
    /u1\.test line 1: the user id must be in 1\.\.4, got 0/,
  ],
  [
    'an out-of-range rating',
    { 'u1.test': '1\t1\t6\t2\n' },
    /u1\.test line 1: the rating must be in 1\.\.5, got 6/,
  ],
  ['an empty file', { 'u1.test': '' }, /u1\.test: empty file/],
  ['a blank file', { 'u1.base': '\n\n' }, /u1\.base: empty file/],
  [
    'a wrong genre flag',
    { 'u.item': '1|A|||x|0|2|0\n2|B|||x|0|0|1\n3|C|||x|0|1|1\n' },
    /u\.item line 1: genre flag Action must be in 0\.\.1, got 2/,
  ],
  [
    'a u.item line with too few genres',
    { 'u.item': '1|A|||x|0|1\n' },
    /u\.item line 1: expected 8 "\|"-separated fields \(movie id, title, release date, video release date, IMDb URL, unknown, Action, Comedy\), got 7/,
  ],
  [
    'an unlisted movie',
    { 'u.item': '1|A|||x|0|1|0\n3|C|||x|0|1|1\n' },
    /u\.item: movie 2 of 3 is not listed/,
  ],
  ['no item count', { 'u.info': '4 users\n8 ratings\n' }, /u\.info: expected a line "<number> items"/],
];
for (const [what, overrides, message] of badCases) {
  test(`ml-100k with ${what} fails naming the file and line`, async () => {
    const dir = await ml100k(what.replace(/\W/g, '_'), overrides);
    await assert.rejects(loadMovieLens('ml-100k', dir, { seed: 0 }), message);
  });
}

test('ml-100k with a missing file says which file was expected; unknown splits are refused', async () => {
  const dir = await ml100k('missing');
  await rm(join(dir, 'u1.base'));
  await assert.rejects(
    loadMovieLens('ml-100k', dir, { seed: 0 }),
    /u1\.base: missing \(ratings as .* was expected here\)/,
  );
  await assert.rejects(
    loadMovieLens('ml-100k', dir, { seed: 0, split: 'u9' as 'u1' }),
    /Unknown ml-100k split "u9"; expected one of u1, u2, u3, u4, u5, ua, ub/,
  );
});

test('ml-1m: "::" files, Latin-1, sparse movie ids mapped densely, seeded 80/10/10 split', async () => {
  const lines = Array.from(
    { length: 20 },
    (_, k) => `${(k % 4) + 1}::${[10, 20, 35][k % 3]}::${(k % 5) + 1}::9`,
  );
  const dir = await folder('ml-1m', {
    'movies.dat': Buffer.from(
      '10::A (1999)::Action|Comedy\n20::B (2000)::Drama\n35::Caf\xe9::Comedy\n',
      'latin1',
    ),
    'ratings.dat': lines.join('\n') + '\n',
  });
  const { data, splits } = await loadMovieLens('ml-1m', dir, { seed: 3 });
  assert.deepEqual(
    [data.users, data.items, data.genres, data.titles[2]],
    [4, 3, ['Action', 'Comedy', 'Drama'], 'Café'],
  );
  assert.deepEqual(Array.from(data.itemGenres), [1, 1, 0, 0, 0, 1, 0, 1, 0]);
  assert.deepEqual(
    [splits.train.rating.length, splits.validation.rating.length, splits.test.rating.length],
    [16, 2, 2],
  );
  const all = [splits.train, splits.validation, splits.test].flatMap((r) =>
    Array.from(r.user, (u, k) => `${u}/${r.item[k]}/${r.rating[k]}`),
  );
  const expected = lines.map((l) => {
    const [u, m, r] = l.split('::').map(Number);
    return `${u - 1}/${[10, 20, 35].indexOf(m)}/${r}`;
  });
  assert.deepEqual(all.sort(), expected.sort(), 'the three parts partition the ratings');
  const same = await loadMovieLens('ml-1m', dir, { seed: 3 });
  assert.deepEqual(same.splits.test, splits.test);

  await writeFile(join(dir, 'ratings.dat'), '1::99::5::9\n');
  await assert.rejects(
    loadMovieLens('ml-1m', dir, { seed: 3 }),
    /ratings\.dat line 1: movie 99 is not in movies\.dat/,
  );
  await writeFile(join(dir, 'ratings.dat'), '1::10::5\n');
  await assert.rejects(
    loadMovieLens('ml-1m', dir, { seed: 3 }),
    /ratings\.dat line 1: expected 4 "::"-separated fields \(UserID, MovieID, Rating, Timestamp\), got 3/,
  );
  await writeFile(join(dir, 'movies.dat'), '10::A::Action\n10::B::Drama\n');
  await assert.rejects(
    loadMovieLens('ml-1m', dir, { seed: 3 }),
    /movies\.dat line 2: movie 10 is listed twice/,
  );
});

test('ml-latest(-small): quoted CSV titles with commas, half-star ratings, header checks', async () => {
  const rows = Array.from({ length: 10 }, (_, k) => `${k + 1},${[1, 5, 9][k % 3]},${(k % 10) / 2 + 0.5},1`);
  const dir = await folder('ml-latest-small', {
    'movies.csv':
      'movieId,title,genres\n1,"American President, The (1995)",Comedy|Romance\n5,"Say ""Hi"" (2001)",(no genres listed)\n9,Heat (1995),Action\n',
    'ratings.csv': 'userId,movieId,rating,timestamp\n' + rows.join('\n') + '\n',
  });
  const { data, splits } = await loadMovieLens('ml-latest-small', dir, { seed: 0 });
  assert.deepEqual(
    [data.name, data.users, data.items, data.genres, data.ratingRange],
    ['ml-latest-small', 10, 3, ['Action', 'Comedy', 'Romance'], [0.5, 5]],
  );
  assert.deepEqual(data.titles, ['American President, The (1995)', 'Say "Hi" (2001)', 'Heat (1995)']);
  assert.deepEqual(Array.from(data.itemGenres), [0, 1, 1, 0, 0, 0, 1, 0, 0]);
  const all = [...splits.train.rating, ...splits.validation.rating, ...splits.test.rating].sort(
    (a, b) => a - b,
  );
  assert.deepEqual(all, [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);

  const bad: [string, RegExp][] = [
    [
      'user,movie,rating,timestamp\n1,1,4,1\n',
      /ratings\.csv line 1: expected the header "userId,movieId,rating,timestamp"/,
    ],
    ['userId,movieId,rating,timestamp\n', /ratings\.csv: no ratings \(the file has a header only\)/],
    ['userId,movieId,rating,timestamp\n1,1,4\n', /ratings\.csv line 2: expected 4 comma-separated fields/],
    [
      'userId,movieId,rating,timestamp\n1,1,0.25,1\n',
      /ratings\.csv line 2: the rating must be in 0\.5\.\.5, got 0\.25/,
    ],
    [
      'userId,movieId,rating,timestamp\n1,1,4..5,1\n',
      /ratings\.csv line 2: the rating must be a number, got "4\.\.5"/,
    ],
    ['userId,movieId,rating,timestamp\n1,"1,4,1\n', /ratings\.csv line 2: a quoted field is not closed/],
  ];
  for (const [ratings, message] of bad) {
    await writeFile(join(dir, 'ratings.csv'), ratings);
    await assert.rejects(loadMovieLens('ml-latest-small', dir, { seed: 0 }), message);
  }
});

const realDir = process.env.TALKING_MODELS_DATA_DIR && join(process.env.TALKING_MODELS_DATA_DIR, 'ml-100k');
test(
  'the real MovieLens 100K loads with its published counts',
  { skip: skipWithoutRealData('ml-100k') },
  async () => {
    const { data, splits } = await loadMovieLens('ml-100k', realDir!, { seed: 0 });
    assert.deepEqual([data.users, data.items, data.genres.length], [943, 1682, 19]);
    assert.equal(data.titles[0], 'Toy Story (1995)');
    // The README's Latin-1 bytes: 0xE9 (é) appears in a title and must not become U+FFFD.
    assert.ok(data.titles.some((t) => t.includes('é')) && !data.titles.some((t) => t.includes('\ufffd')));
    assert.equal(splits.test.rating.length, 20000);
    assert.deepEqual([splits.train.rating.length, splits.validation.rating.length], [72000, 8000]);

    const all = await readMl100kRatings(join(realDir!, 'u.data'), await readMl100k(realDir!));
    assert.equal(all.rating.length, 100000);
    assert.deepEqual([Math.max(...all.user) + 1, Math.max(...all.item) + 1], [943, 1682]);
    // Action: 251 movies, 25,589 of the 100,000 ratings.
    const action = data.genres.indexOf('Action');
    let actionMovies = 0;
    for (let i = 0; i < data.items; i++) actionMovies += data.itemGenres[i * data.genres.length + action];
    assert.equal(actionMovies, 251);
    assert.equal(filterGenre(data, all, 'Action').rating.length, 25589);
    assert.equal(excludeGenre(data, all, 'Action').rating.length, 100000 - 25589);
  },
);
