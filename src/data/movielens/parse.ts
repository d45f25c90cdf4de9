import { DataError } from '../errors.js';
import { fields, lineCount, lines, lineError, numberField, type Line, type TextFile } from '../text.js';
import type { Ratings } from './ratings.js';

/**
 * Parses one rating per line straight into typed arrays sized from the line count, so the
 * ratings exist once, in their final form. `header` skips a first line (CSV files).
 */
export function parseRatings(
  file: TextFile,
  header: boolean,
  parseLine: (line: Line) => [user: number, item: number, rating: number],
): Ratings {
  const n = lineCount(file) - (header ? 1 : 0);
  if (n <= 0) throw new DataError(file.path, undefined, 'no ratings (the file has a header only)');
  const out: Ratings = { user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) };
  let k = 0;
  for (const line of lines(file)) {
    if (header && line.number === 1) continue;
    [out.user[k], out.item[k], out.rating[k]] = parseLine(line);
    k++;
  }
  return out;
}

/** Reads a header line and checks it is exactly `header`. */
export function expectHeader(file: TextFile, header: string): void {
  const first = lines(file).next().value as Line;
  if (first.text.trim() !== header)
    throw lineError(first, `expected the header "${header}", got "${first.text}"`);
}

/**
 * Reads a movie list whose lines hold a movie id, a title and a "|"-separated genre list (1M's movies.dat,
 * latest's movies.csv). Movie ids there have gaps, so movies get dense indices in file order.
 */
export function parseMovies(
  file: TextFile,
  header: boolean,
  separator: string,
  columns: string[],
): { itemIndex: Map<number, number>; titles: string[]; perItem: string[][] } {
  const itemIndex = new Map<number, number>();
  const titles: string[] = [];
  const perItem: string[][] = [];
  for (const line of lines(file)) {
    if (header && line.number === 1) continue;
    const parts = fields(line, separator, columns);
    const movieId = idField(line, parts[0], 'the movie id');
    if (itemIndex.has(movieId)) throw lineError(line, `movie ${movieId} is listed twice`);
    itemIndex.set(movieId, perItem.length);
    titles.push(parts[1]);
    perItem.push(parts[columns.length - 1].split('|'));
  }
  return { itemIndex, titles, perItem };
}

/** Parses a positive id (the sparse ids of 1M and latest are still below 2^31). */
export function idField(line: Line, value: string, name: string): number {
  return numberField(line, value, name, [1, 2 ** 31 - 1]);
}

/** The dense index of a movie id from the ratings file, or an error naming the movie list. */
export function itemOf(
  line: Line,
  itemIndex: Map<number, number>,
  movieId: number,
  movieFile: string,
): number {
  const item = itemIndex.get(movieId);
  if (item === undefined) throw lineError(line, `movie ${movieId} is not in ${movieFile}`);
  return item;
}

/** Genre flags of `items` movies from per-movie genre name lists (1M and latest). */
export function genreFlags(perItem: string[][]): { genres: string[]; itemGenres: Uint8Array } {
  const genres = [...new Set(perItem.flat())].filter((g) => g !== '(no genres listed)').sort();
  const index = new Map(genres.map((g, i) => [g, i]));
  const itemGenres = new Uint8Array(perItem.length * genres.length);
  perItem.forEach((names, item) => {
    for (const name of names) {
      const g = index.get(name);
      if (g !== undefined) itemGenres[item * genres.length + g] = 1;
    }
  });
  return { genres, itemGenres };
}

/** Maps sparse ids (e.g. MovieLens 1M / latest user ids) to dense 0-based indices in order of appearance. */
export class DenseIds {
  private readonly index = new Map<number, number>();

  of(id: number): number {
    let dense = this.index.get(id);
    if (dense === undefined) this.index.set(id, (dense = this.index.size));
    return dense;
  }

  get size(): number {
    return this.index.size;
  }
}
