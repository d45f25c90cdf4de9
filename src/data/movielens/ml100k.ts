import { join } from 'node:path';
import { DataError } from '../errors.js';
import { fields, intField, readText } from '../text.js';
import { parseRatings } from './parse.js';
import type { MovieLens, Ratings } from './ratings.js';

/** MovieLens 100K's own split files: five folds u1..u5 and the per-user ua / ub splits. */
export const ML100K_SPLITS = ['u1', 'u2', 'u3', 'u4', 'u5', 'ua', 'ub'] as const;
export type Ml100kSplit = (typeof ML100K_SPLITS)[number];

const RATING_COLUMNS = 'user id, item id, rating, timestamp';

/** Reads u.info, u.genre and u.item (Latin-1) of the folder. */
export async function readMl100k(dir: string): Promise<MovieLens> {
  const info = await readText(join(dir, 'u.info'), 'latin1', 'the counts of users, items and ratings');
  const count = (label: string) => {
    const line = info.lines.findIndex((l) => l.trim().endsWith(` ${label}`));
    if (line < 0) throw new DataError(info.path, undefined, `expected a line "<number> ${label}"`);
    return intField(info, line, info.lines[line].trim().split(' ')[0], `the number of ${label}`, 1, 1e9);
  };
  const users = count('users');
  const items = count('items');

  const genreFile = await readText(join(dir, 'u.genre'), 'latin1', 'the genre names');
  const genres: string[] = [];
  genreFile.lines.forEach((text, line) => {
    if (text.trim() === '') return;
    const [name, index] = fields(genreFile, line, '|', 2, 'genre name, index');
    genres[intField(genreFile, line, index, 'the genre index', 0, 99)] = name;
  });

  const itemFile = await readText(join(dir, 'u.item'), 'latin1', 'the movies and their genre flags');
  const itemGenres = new Uint8Array(items * genres.length);
  const seen = new Uint8Array(items);
  itemFile.lines.forEach((_, line) => {
    const parts = fields(
      itemFile,
      line,
      '|',
      5 + genres.length,
      `movie id, title, release date, video release date, IMDb URL and ${genres.length} genre flags`,
    );
    const item = intField(itemFile, line, parts[0], 'the movie id', 1, items) - 1;
    seen[item] = 1;
    for (let g = 0; g < genres.length; g++) {
      itemGenres[item * genres.length + g] = intField(
        itemFile,
        line,
        parts[5 + g],
        `genre flag ${genres[g]}`,
        0,
        1,
      );
    }
  });
  const missing = seen.indexOf(0);
  if (missing >= 0)
    throw new DataError(itemFile.path, undefined, `movie ${missing + 1} of ${items} is not listed`);
  return { name: 'ml-100k', users, items, genres, itemGenres, ratingRange: [1, 5] };
}

/** Reads a u.data-format file (u.data, u1.base, ...). */
export async function readMl100kRatings(path: string, data: MovieLens): Promise<Ratings> {
  const file = await readText(path, 'latin1', 'ratings as "user<TAB>item<TAB>rating<TAB>timestamp" lines');
  return parseRatings(file, 0, (line) => {
    const [user, item, rating] = fields(file, line, '\t', 4, RATING_COLUMNS);
    return [
      intField(file, line, user, 'the user id', 1, data.users) - 1,
      intField(file, line, item, 'the item id', 1, data.items) - 1,
      intField(file, line, rating, 'the rating', 1, 5),
    ];
  });
}
