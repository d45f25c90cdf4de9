import type { TensorDataset } from '../dataset.js';
import type { MovieLensName } from './load.js';

/** Ratings as parallel typed arrays; users and items are dense 0-based indices. */
export interface Ratings {
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
}

/** A MovieLens dataset: its counts, genre vocabulary and per-item genre flags. */
export interface MovieLens {
  name: MovieLensName;
  users: number;
  items: number;
  /** Movie titles by item index (decoded with the file's encoding: Latin-1 for 100K and 1M). */
  titles: string[];
  genres: string[];
  /** items x genres flags, row-major. */
  itemGenres: Uint8Array;
  /** The rating scale, for clipping predictions. */
  ratingRange: [number, number];
}

/** A train / validation / test split of one dataset's ratings. */
export interface RatingSplits {
  train: Ratings;
  validation: Ratings;
  test: Ratings;
}

/** The ratings at `rows`, copied once. */
export function selectRatings(r: Ratings, rows: ArrayLike<number>): Ratings {
  const out: Ratings = {
    user: new Int32Array(rows.length),
    item: new Int32Array(rows.length),
    rating: new Float32Array(rows.length),
  };
  for (let k = 0; k < rows.length; k++) {
    out.user[k] = r.user[rows[k]];
    out.item[k] = r.item[rows[k]];
    out.rating[k] = r.rating[rows[k]];
  }
  return out;
}

function genreIndex(data: MovieLens, genre: string): number {
  const g = data.genres.findIndex((name) => name.toLowerCase() === genre.toLowerCase());
  if (g < 0)
    throw new Error(`Unknown genre "${genre}" in ${data.name}; expected one of ${data.genres.join(', ')}`);
  return g;
}

function selectByGenre(data: MovieLens, r: Ratings, genre: string, flagged: boolean): Ratings {
  const g = genreIndex(data, genre);
  const rows: number[] = [];
  for (let k = 0; k < r.item.length; k++)
    if (!!data.itemGenres[r.item[k] * data.genres.length + g] === flagged) rows.push(k);
  return selectRatings(r, rows);
}

/** The ratings of movies flagged with `genre` (case-insensitive), for the downstream tasks. */
export function filterGenre(data: MovieLens, r: Ratings, genre: string): Ratings {
  return selectByGenre(data, r, genre, true);
}

/**
 * The ratings of every movie not flagged with `genre`: what E1-shift's teacher of that genre
 * learns from, so that the genre's movies are new to it while their users are not.
 */
export function excludeGenre(data: MovieLens, r: Ratings, genre: string): Ratings {
  return selectByGenre(data, r, genre, false);
}

/** Model inputs `user`, `item` (int32 [1]) and the rating target (float32 [1]); no copy. */
export function ratingsDataset(r: Ratings): TensorDataset {
  return {
    size: r.rating.length,
    inputs: [
      { values: r.user, shape: [1], dtype: 'int32' },
      { values: r.item, shape: [1], dtype: 'int32' },
    ],
    target: { values: r.rating, shape: [1], dtype: 'float32' },
  };
}
