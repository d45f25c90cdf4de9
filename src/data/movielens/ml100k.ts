import { join } from 'node:path';
import { DataError } from '../errors.js';
import { fields, lines, numberField, readText } from '../text.js';
import { parseRatings } from './parse.js';
import type { MovieLens, Ratings } from './ratings.js';

/** MovieLens 100K's own split files: five folds u1..u5 and the per-user ua / ub splits. */
export const ML100K_SPLITS = ['u1', 'u2', 'u3', 'u4', 'u5', 'ua', 'ub'] as const;
export type Ml100kSplit = (typeof ML100K_SPLITS)[number];

const RATING_COLUMNS = ['user id', 'item id', 'rating', 'timestamp'];

/** Reads u.info (the counts), u.genre and u.item (Latin-1) of the folder. */
export async function readMl100k(dir: string): Promise<MovieLens> {
  const info = await readText(join(dir, 'u.info'), 'latin1', 'the counts of users, items and ratings');
  const counts = new Map<string, number>();
  for (const line of lines(info)) {
    const [count, label] = line.text.trim().split(' ');
    if (label) counts.set(label, numberField(line, count, `the number of ${label}`, [1, 1e9]));
  }
  const count = (label: string) => {
    const n = counts.get(label);
    if (n === undefined) throw new DataError(info.path, undefined, `expected a line "<number> ${label}"`);
    return n;
  };
  const users = count('users');
  const items = count('items');

  const genreFile = await readText(join(dir, 'u.genre'), 'latin1', 'the genre names as "name|index" lines');
  const genres: string[] = [];
  for (const line of lines(genreFile)) {
    // The real file ends with a blank line.
    if (line.text.trim() === '') continue;
    const [name, index] = fields(line, '|', ['genre name', 'index']);
    genres[numberField(line, index, 'the genre index', [0, 99])] = name;
  }

  const itemFile = await readText(join(dir, 'u.item'), 'latin1', 'the movies and their genre flags');
  const itemColumns = ['movie id', 'title', 'release date', 'video release date', 'IMDb URL', ...genres];
  const itemGenres = new Uint8Array(items * genres.length);
  const titles = new Array<string>(items);
  for (const line of lines(itemFile)) {
    const parts = fields(line, '|', itemColumns);
    const item = numberField(line, parts[0], 'the movie id', [1, items]) - 1;
    titles[item] = parts[1];
    for (let g = 0; g < genres.length; g++) {
      itemGenres[item * genres.length + g] = numberField(
        line,
        parts[5 + g],
        `genre flag ${genres[g]}`,
        [0, 1],
      );
    }
  }
  const missing = titles.findIndex((title) => title === undefined);
  if (missing >= 0)
    throw new DataError(itemFile.path, undefined, `movie ${missing + 1} of ${items} is not listed`);
  return { name: 'ml-100k', users, items, titles, genres, itemGenres, ratingRange: [1, 5] };
}

/** Reads a u.data-format file (u.data, u1.base, ...): ids are checked against the counts of `data`. */
export async function readMl100kRatings(path: string, data: MovieLens): Promise<Ratings> {
  const file = await readText(path, 'latin1', 'ratings as "user<TAB>item<TAB>rating<TAB>timestamp" lines');
  return parseRatings(file, false, (line) => {
    const [user, item, rating] = fields(line, '\t', RATING_COLUMNS);
    return [
      numberField(line, user, 'the user id', [1, data.users]) - 1,
      numberField(line, item, 'the item id', [1, data.items]) - 1,
      numberField(line, rating, 'the rating', data.ratingRange),
    ];
  });
}
