import { join } from 'node:path';
import { Random } from '../../engine/random.js';
import { readMl100k, readMl100kRatings, ML100K_SPLITS, type Ml100kSplit } from './ml100k.js';
import { ML_1M, ML_LATEST, readSparseMovieLens } from './sparse.js';
import { selectRatings, type MovieLens, type RatingSplits, type Ratings } from './ratings.js';

/** The releases this loader reads; "ml-latest-small" and "ml-latest" share one format. */
export const MOVIELENS_DATASETS = ['ml-100k', 'ml-1m', 'ml-latest-small', 'ml-latest'] as const;
export type MovieLensName = (typeof MOVIELENS_DATASETS)[number];

export interface MovieLensOptions {
  /** Seed of the validation split (and of the 80/10/10 split of datasets without a canonical one). */
  seed: number;
  /** ml-100k's split files (default u1: test u1.test, training pool u1.base). */
  split?: Ml100kSplit;
  /** Part of the training pool held out for validation (default 0.1). */
  validationFraction?: number;
}

/** Splits off a seeded `fraction` of `pool` as validation. */
function holdOut(pool: Ratings, fraction: number, random: Random): { train: Ratings; validation: Ratings } {
  const order = random.permutation(pool.rating.length);
  const cut = Math.round(pool.rating.length * fraction);
  return {
    validation: selectRatings(pool, order.subarray(0, cut)),
    train: selectRatings(pool, order.subarray(cut)),
  };
}

/**
 * Loads a MovieLens dataset from `dir` with experiments.md's splits: ml-100k uses its canonical
 * split files, with `validationFraction` of the base file held out by seed; ml-1m and latest have
 * no canonical split and are split 80/10/10 by seed.
 */
export async function loadMovieLens(
  name: MovieLensName,
  dir: string,
  options: MovieLensOptions,
): Promise<{ data: MovieLens; splits: RatingSplits }> {
  const random = new Random(options.seed).derive(`movielens-split/${name}`);
  const validationFraction = options.validationFraction ?? 0.1;
  if (name === 'ml-100k') {
    const split = options.split ?? 'u1';
    if (!ML100K_SPLITS.includes(split))
      throw new Error(`Unknown ml-100k split "${split}"; expected one of ${ML100K_SPLITS.join(', ')}`);
    const data = await readMl100k(dir);
    const pool = await readMl100kRatings(join(dir, `${split}.base`), data);
    const test = await readMl100kRatings(join(dir, `${split}.test`), data);
    return { data, splits: { ...holdOut(pool, validationFraction, random), test } };
  }
  const { data, ratings } = await readSparseMovieLens(name, dir, name === 'ml-1m' ? ML_1M : ML_LATEST);
  const order = random.permutation(ratings.rating.length);
  const testSize = Math.round(ratings.rating.length * 0.1);
  const validationSize = Math.round(ratings.rating.length * 0.1);
  return {
    data,
    splits: {
      test: selectRatings(ratings, order.subarray(0, testSize)),
      validation: selectRatings(ratings, order.subarray(testSize, testSize + validationSize)),
      train: selectRatings(ratings, order.subarray(testSize + validationSize)),
    },
  };
}
