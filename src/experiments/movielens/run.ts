import { join } from 'node:path';
import type { LayersModel } from '../../engine/tf.js';
import { buildRecommender } from '../../models/recommender.js';
import { locateDataset, cacheDirectory } from '../../data/download.js';
import { loadMovieLens } from '../../data/movielens/load.js';
import { filterGenre, ratingsDataset, type MovieLens, type Ratings } from '../../data/movielens/ratings.js';
import { meanRating, trainRatingTeacher } from './teacher.js';
import { fileStorage } from '../../storage/files.js';
import { distill } from '../../distill/distill.js';
import { evaluate } from '../../distill/evaluate.js';
import { cellId, openCells, type CellKey } from '../cells.js';
import { cellRecord, planCells, runCells, runHeader, type ExperimentSettings } from '../plan.js';
import { cachedTeacher, fingerprint, teacherKey } from '../teacher_cache.js';
import { writeOutputs } from '../output.js';
import { methodOf } from '../method_list.js';
import type { CellRecord, ResultFile } from '../results.js';
import { packageVersion } from '../../engine/package_root.js';
import type { MovielensGenreConfig } from './config.js';

export interface RunOptions extends ExperimentSettings {
  config: MovielensGenreConfig;
}

/** The data files a dataset's teacher is trained from, for the teacher cache key. */
function trainingFiles(config: MovielensGenreConfig, dir: string): string[] {
  if (config.dataset === 'ml-100k') return ['u.item', `${config.split}.base`].map((f) => join(dir, f));
  if (config.dataset === 'ml-1m') return ['movies.dat', 'ratings.dat'].map((f) => join(dir, f));
  return ['movies.csv', 'ratings.csv'].map((f) => join(dir, f));
}

/**
 * E1: pre-train (or reuse) the teacher on all genres, then for each genre, method and seed train
 * the student on the genre's ratings and test it; every finished cell is kept, so `resume` goes
 * on where a killed run stopped.
 */
export async function runMovielensGenre(options: RunOptions): Promise<ResultFile | undefined> {
  const { config, outDir, progress } = options;
  const started = new Date();
  const cells = await openCells(outDir, config, options.resume || !!options.worker);
  const dir = await locateDataset(config.dataset, {
    dataDir: options.dataDir,
    cacheDir: options.cacheDir,
    log: progress.message,
  });
  const { data, splits } = await loadMovieLens(config.dataset, dir, {
    seed: config.dataSeed,
    split: config.split,
    validationFraction: config.validationFraction,
  });
  const clip = data.ratingRange;
  const recommender = (
    shape: { embedding: number; hidden: number[] },
    seed: number,
    name: string,
    bias: number,
  ) => buildRecommender({ users: data.users, items: data.items, ...shape, seed, name, outputBias: bias });

  const teacherSetup = {
    // A new release may build or train teachers differently: never reuse another version's.
    version: packageVersion(),
    model: config.teacher,
    training: config.teacherTraining,
    dataset: config.dataset,
    split: config.split,
    validationFraction: config.validationFraction,
    dataSeed: config.dataSeed,
  };
  const key = teacherKey(teacherSetup, await fingerprint(trainingFiles(config, dir)));
  const teacher = await cachedTeacher(cacheDirectory({ cacheDir: options.cacheDir }), key, () => {
    progress.message(`pre-training the teacher on all ${splits.train.rating.length} training ratings`);
    return trainRatingTeacher({
      data,
      ratings: splits,
      model: config.teacher,
      training: config.teacherTraining,
      events: progress.training,
    });
  });
  if (teacher.cached) progress.message(`reusing the pre-trained teacher ${key} from the cache`);
  const testOf = (r: Ratings) => evaluate(teacher.model, ratingsDataset(r), 'regression', { clip }).value;
  const byTask = Object.fromEntries(config.genres.map((g) => [g, testOf(filterGenre(data, splits.test, g))]));

  const plan = planCells(config.genres, config.methods, config.seeds);
  const train = (key: CellKey) => {
    const genreMean = meanRating(filterGenre(data, splits.train, key.task));
    return runCell(options, data, splits, teacher.model, key, (shape, seed, name) =>
      recommender(shape, seed, name, genreMean),
    );
  };
  const records = await runCells(options, plan, cells, train);
  if (!records) return undefined;
  return writeOutputs(
    outDir,
    `MovieLens genre experiment (${config.dataset}${options.quick ? ', quick' : ''})`,
    {
      ...runHeader(options, { suite: 'movielens-genre', dataset: config.dataset, config, started }),
      teacher: { metric: 'rmse', value: testOf(splits.test), on: 'all test ratings', byTask },
    },
    records,
  );
}

async function runCell(
  options: RunOptions,
  data: MovieLens,
  splits: { train: Ratings; validation: Ratings; test: Ratings },
  teacher: LayersModel,
  key: CellKey,
  recommender: (shape: { embedding: number; hidden: number[] }, seed: number, name: string) => LayersModel,
): Promise<CellRecord> {
  const { config } = options;
  const clip = data.ratingRange;
  const genre = (r: Ratings) => ratingsDataset(filterGenre(data, r, key.task));
  const seed = 1000 * (key.seed + 1);
  const student = recommender(config.student, seed, 'student');
  const assistant = recommender(config.assistant, seed + 1, 'assistant');
  const result = await distill({
    teacher,
    student,
    assistant,
    // Variants were validated with the config; distill() validates again and fills defaults.
    method: methodOf(key.method, config.variants),
    task: 'regression',
    data: { train: genre(splits.train), validation: genre(splits.validation) },
    training: { ...config.training, clip, seed: key.seed },
    storage: fileStorage(join(options.outDir, 'runs', cellId(key))),
    resume: options.resume || !!options.worker,
    events: options.progress.training,
  });
  const test = evaluate(student, genre(splits.test), 'regression', { clip });
  student.dispose();
  assistant.dispose();
  return cellRecord(key, test, result);
}
