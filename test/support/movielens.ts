import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Random } from '../../src/engine/random.js';
import type { MovieLensName } from '../../src/data/movielens/load.js';

const GENRES = ['unknown', 'Action', 'Comedy', 'Drama'];

/**
 * Writes a small MovieLens dataset in one of the three file formats, for end-to-end tests: ratings
 * follow user and item factors so that models have something to learn. Returns the data folder
 * (holding `<name>/`).
 */
export async function writeMovieLensFixture(
  root: string,
  name: MovieLensName,
  { users = 40, items = 30, ratings = 1500, seed = 0 } = {},
): Promise<string> {
  const random = new Random(seed);
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const taste = Array.from({ length: users }, () => random.next() * 2 - 1);
  const appeal = Array.from({ length: items }, () => random.next() * 2 - 1);
  const genreOf = (item: number) => 1 + (item % 3);
  const rows = Array.from({ length: ratings }, () => {
    const user = random.int(users);
    const item = random.int(items);
    const rating = Math.min(
      5,
      Math.max(1, Math.round(3 + 1.5 * taste[user] * appeal[item] + random.next() - 0.5)),
    );
    return { user: user + 1, item: item + 1, rating };
  });
  if (name === 'ml-100k') {
    const line = (r: { user: number; item: number; rating: number }) =>
      `${r.user}\t${r.item}\t${r.rating}\t0`;
    const cut = Math.floor(ratings * 0.8);
    await writeFile(join(dir, 'u.info'), `${users} users\n${items} items\n${ratings} ratings\n`);
    await writeFile(join(dir, 'u.genre'), GENRES.map((g, i) => `${g}|${i}`).join('\n') + '\n\n');
    const flags = (item: number) => GENRES.map((_, g) => (g === genreOf(item) ? 1 : 0)).join('|');
    await writeFile(
      join(dir, 'u.item'),
      Array.from({ length: items }, (_, i) => `${i + 1}|Movie ${i + 1}|||x|${flags(i)}`).join('\n') + '\n',
    );
    await writeFile(join(dir, 'u1.base'), rows.slice(0, cut).map(line).join('\n') + '\n');
    await writeFile(join(dir, 'u1.test'), rows.slice(cut).map(line).join('\n') + '\n');
  } else if (name === 'ml-1m') {
    await writeFile(
      join(dir, 'movies.dat'),
      Array.from({ length: items }, (_, i) => `${i + 1}::Movie ${i + 1}::${GENRES[genreOf(i)]}`).join('\n') +
        '\n',
    );
    await writeFile(
      join(dir, 'ratings.dat'),
      rows.map((r) => `${r.user}::${r.item}::${r.rating}::0`).join('\n') + '\n',
    );
  } else {
    await writeFile(
      join(dir, 'movies.csv'),
      'movieId,title,genres\n' +
        Array.from({ length: items }, (_, i) => `${i + 1},"Movie, ${i + 1}",${GENRES[genreOf(i)]}`).join(
          '\n',
        ) +
        '\n',
    );
    await writeFile(
      join(dir, 'ratings.csv'),
      'userId,movieId,rating,timestamp\n' +
        rows.map((r) => `${r.user},${r.item},${r.rating}.0,0`).join('\n') +
        '\n',
    );
  }
  return root;
}
