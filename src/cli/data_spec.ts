import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../engine/random.js';
import { splitDataset, type Inputs, type RowTransform, type TensorDataset } from '../data/dataset.js';
import { readCsv, type CsvData } from '../data/csv.js';
import { loadImageFolderSplit } from '../data/images/folder.js';
import { imageDataset } from '../data/images/image_set.js';
import { loadMovieLens, type MovieLensName } from '../data/movielens/load.js';
import { ratingsDataset } from '../data/movielens/ratings.js';
import type { TaskKind } from '../distill/method.js';

/** `csv:PATH`, `folder:PATH` or `movielens:DIR`, as given to --data, --validation, --test. */
export interface DataSpec {
  kind: 'csv' | 'folder' | 'movielens';
  path: string;
  text: string;
}

const KINDS = ['csv', 'folder', 'movielens'] as const;

export function parseDataSpec(text: string, flag: string): DataSpec {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon) as DataSpec['kind'];
  const path = text.slice(colon + 1);
  if (colon < 0 || !KINDS.includes(kind) || !path)
    throw new Error(
      `${flag} "${text}": expected csv:PATH (a CSV with a header), folder:PATH (PATH/train/<class>/<image>) ` +
        'or movielens:DIR (a MovieLens folder)',
    );
  return { kind, path, text };
}

/** What a saved model needs to read new data the way it was trained (DIR/dataset.json). */
export interface DataMeta {
  kind: DataSpec['kind'];
  task: TaskKind;
  /** csv: the feature columns in input order, and the target column. */
  features?: string[];
  target?: string;
  /** folder: class names by label. */
  classNames?: string[];
}

/** Data loaded for training: splits, and what building a model for it needs. */
export interface TrainingData {
  spec: DataSpec;
  meta: DataMeta;
  train: TensorDataset;
  validation: TensorDataset;
  test?: TensorDataset;
  /** Outputs a model needs: the number of classes, or 1 for a value. */
  outputs: number;
  /** movielens: id counts for embeddings, and the mean rating for the output bias. */
  users?: number;
  items?: number;
  meanTarget: number;
  preprocess?: RowTransform;
  clip?: [number, number];
}

/** Image pixels arrive as bytes 0..255; models see them scaled to [0, 1]. */
export const scalePixels: RowTransform = (values) => {
  for (let i = 0; i < values.length; i++) values[i] /= 255;
};

function movielensName(spec: DataSpec): MovieLensName {
  if (existsSync(join(spec.path, 'u.item'))) return 'ml-100k';
  if (existsSync(join(spec.path, 'ratings.dat'))) return 'ml-1m';
  if (existsSync(join(spec.path, 'ratings.csv'))) return 'ml-latest-small';
  throw new Error(
    `${spec.path}: not a MovieLens folder; expected u.item (ml-100k), ratings.dat (ml-1m) or ratings.csv (ml-latest)`,
  );
}

function expectTask(spec: DataSpec, task: TaskKind, wanted: TaskKind, what: string): void {
  if (task !== wanted)
    throw new Error(`--task ${task}: ${spec.text} holds ${what}; expected --task ${wanted}`);
}

/** Rows of a data spec with their targets when known: for --validation, --test and predict. */
export interface Rows extends Inputs {
  target?: TensorDataset['target'];
  /** A short description for reports, e.g. "csv:test.csv (200 rows)". */
  describe: string;
  /** movielens: the rating scale predictions are clipped to. */
  clip?: [number, number];
}

/** Loads every row of `spec` as a trained model reads it (the features and classes of `meta`). */
export async function loadRows(spec: DataSpec, meta: DataMeta, targetName?: string): Promise<Rows> {
  if (spec.kind !== meta.kind)
    throw new Error(`${spec.text}: the model was trained on ${meta.kind}: data; expected ${meta.kind}:PATH`);
  if (spec.kind === 'csv') {
    const csv: CsvData = await readCsv(spec.path, {
      features: meta.features,
      target: targetName,
      task: meta.task,
    });
    return { ...csv, describe: `${spec.text} (${csv.size} rows)` };
  }
  if (spec.kind === 'folder') {
    const split = existsSync(join(spec.path, 'test')) ? 'test' : 'train';
    const set = imageDataset(await loadImageFolderSplit(spec.path, split, meta.classNames));
    return { ...set, describe: `${spec.text} ${split}/ (${set.size} images)` };
  }
  const { data, splits } = await loadMovieLens(movielensName(spec), spec.path, { seed: 0 });
  const test = ratingsDataset(splits.test);
  return { ...test, describe: `${spec.text} test split (${test.size} ratings)`, clip: data.ratingRange };
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / Math.max(1, values.length);
}

function maxLabel(...sets: (TensorDataset | undefined)[]): number {
  let max = 0;
  for (const set of sets) if (set) for (const v of set.target.values) max = Math.max(max, v);
  return max;
}

/**
 * Loads the training data of a spec, with a seeded validation split unless `validation` is given;
 * every problem is reported before anything is trained or written.
 */
export async function loadTrainingData(options: {
  data: DataSpec;
  validation?: DataSpec;
  test?: DataSpec;
  target?: string;
  task: TaskKind;
  seed: number;
}): Promise<TrainingData> {
  const { data: spec, task } = options;
  const random = new Random(options.seed).derive('validation-split');
  const rowsOf = async (other: DataSpec | undefined, meta: DataMeta, flag: string) => {
    if (!other) return undefined;
    const rows = await loadRows(other, meta, meta.target);
    if (!rows.target) throw new Error(`${flag} ${other.text}: has no targets`);
    return { size: rows.size, inputs: rows.inputs, target: rows.target };
  };
  let loaded: Omit<TrainingData, 'outputs' | 'meanTarget'>;
  if (spec.kind === 'csv') {
    if (!options.target)
      throw new Error(`--data ${spec.text}: a CSV needs --target COLUMN, the column to predict`);
    const csv = await readCsv(spec.path, { target: options.target, task });
    const meta: DataMeta = { kind: 'csv', task, features: csv.features, target: options.target };
    const all = { size: csv.size, inputs: csv.inputs, target: csv.target! };
    const validation = await rowsOf(options.validation, meta, '--validation');
    const parts = validation ? { train: all, validation } : splitDataset(all, 0.2, random);
    if (parts.train.size === 0 || parts.validation.size === 0)
      throw new Error(`${spec.path}: ${csv.size} rows are too few to split into training and validation`);
    loaded = { spec, meta, ...parts, test: await rowsOf(options.test, meta, '--test') };
  } else if (spec.kind === 'folder') {
    expectTask(spec, task, 'classification', 'images of classes');
    const trainSet = await loadImageFolderSplit(spec.path, 'train');
    const meta: DataMeta = { kind: 'folder', task, classNames: trainSet.classNames };
    const all = imageDataset(trainSet);
    const validation = await rowsOf(options.validation, meta, '--validation');
    const parts = validation ? { train: all, validation } : splitDataset(all, 0.1, random);
    const test =
      (await rowsOf(options.test, meta, '--test')) ??
      (existsSync(join(spec.path, 'test'))
        ? imageDataset(await loadImageFolderSplit(spec.path, 'test', trainSet.classNames))
        : undefined);
    loaded = { spec, meta, ...parts, test, preprocess: scalePixels };
  } else {
    expectTask(spec, task, 'regression', 'ratings');
    const { data, splits } = await loadMovieLens(movielensName(spec), spec.path, { seed: options.seed });
    loaded = {
      spec,
      meta: { kind: 'movielens', task },
      train: ratingsDataset(splits.train),
      validation: ratingsDataset(splits.validation),
      test: ratingsDataset(splits.test),
      users: data.users,
      items: data.items,
      clip: data.ratingRange,
    };
  }
  return {
    ...loaded,
    outputs:
      task === 'classification'
        ? (loaded.meta.classNames?.length ?? maxLabel(loaded.train, loaded.validation) + 1)
        : 1,
    meanTarget: mean(loaded.train.target.values),
  };
}
