import { DataError } from '../errors.js';
import type { TextFile } from '../text.js';
import type { Ratings } from './ratings.js';

/** Fills typed arrays with one rating per line, as `parseLine` reads it. */
export function parseRatings(
  file: TextFile,
  firstLine: number,
  parseLine: (line: number) => [user: number, item: number, rating: number],
): Ratings {
  const n = file.lines.length - firstLine;
  if (n <= 0) throw new DataError(file.path, undefined, 'no ratings (the file has a header only)');
  const out: Ratings = { user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) };
  for (let k = 0; k < n; k++) {
    const [user, item, rating] = parseLine(firstLine + k);
    out.user[k] = user;
    out.item[k] = item;
    out.rating[k] = rating;
  }
  return out;
}

/** Genre flags of `items` movies from per-movie genre name lists (1M and latest). */
export function genreFlags(perItem: string[][], items: number): { genres: string[]; itemGenres: Uint8Array } {
  const genres = [...new Set(perItem.flat())].filter((g) => g !== '(no genres listed)').sort();
  const index = new Map(genres.map((g, i) => [g, i]));
  const itemGenres = new Uint8Array(items * genres.length);
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
