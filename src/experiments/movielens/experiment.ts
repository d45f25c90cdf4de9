import { join } from 'node:path';
import type { LayersModel } from '../../engine/tf.js';
import { buildRecommender } from '../../models/recommender.js';
import { assembleMembers } from '../../models/assemble_members.js';
import { locateDataset } from '../../data/download.js';
import { loadMovieLens } from '../../data/movielens/load.js';
import { excludeGenre, filterGenre, ratingsDataset, type Ratings } from '../../data/movielens/ratings.js';
import { distill } from '../../distill/distill.js';
import { methodOf } from '../method_list.js';
import { evaluate } from '../../distill/evaluate.js';
import { cellRecord, type ExperimentSettings } from '../plan.js';
import { fingerprint } from '../teacher_cache.js';
import { packageVersion } from '../../engine/package_root.js';
import type { Experiment, TeacherSpec } from '../experiment.js';
import type { MovielensGenreConfig } from './config.js';
import { meanRating } from './teacher.js';
import { fileStorage } from '../../storage/files.js';
import { mergePatch } from '../tuning.js';

/** The data files a dataset's teacher is trained from, for the teacher cache key. */
function trainingFiles(config: MovielensGenreConfig, dir: string): string[] {
  if (config.dataset === 'ml-100k') return ['u.item', `${config.split}.base`].map((f) => join(dir, f));
  if (config.dataset === 'ml-1m') return ['movies.dat', 'ratings.dat'].map((f) => join(dir, f));
  return ['movies.csv', 'ratings.csv'].map((f) => join(dir, f));
}

/**
 * E1: a teacher pre-trained on all genres; for each genre, method and seed a student trained on
 * the genre's ratings and tested on them. With `shift` (E1-shift), each genre's students learn
 * from a teacher of their own that was pre-trained on all ratings but those of the genre's movies.
 */
export async function openMovielensGenre(
  config: MovielensGenreConfig,
  settings: ExperimentSettings,
): Promise<Experiment> {
  const dir = await locateDataset(config.dataset, {
    dataDir: settings.dataDir,
    cacheDir: settings.cacheDir,
    log: settings.progress.message,
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
  // Each genre's ratings, drawn here so that a genre the data lacks fails before any training.
  const byGenre = new Map(
    config.genres.map((g) => [
      g,
      {
        train: filterGenre(data, splits.train, g),
        validation: filterGenre(data, splits.validation, g),
        test: filterGenre(data, splits.test, g),
      },
    ]),
  );
  const testOf = (teacher: LayersModel, r: Ratings) =>
    evaluate(teacher, ratingsDataset(r), 'regression', { clip }).value;

  // The teacher's own shape; with members, the teacher is the mean of that many of it.
  const { members, ...teacherShape } = config.teacher;
  // Variants were validated with the config; distill() validates again and fills defaults.
  const methodInput = (method: string) => methodOf(method, config.variants);
  /**
   * The teacher pre-trained on `ratings` (train and validation, so that it is also early-stopped
   * on them), with its output starting at their mean; `without` names E1-shift's held-out genre.
   */
  const teacherSpec = (ratings: { train: Ratings; validation: Ratings }, without?: string): TeacherSpec => {
    // Every member, and so the assembled teacher's untrained form, starts at the mean rating.
    const outputBias = meanRating(ratings.train);
    return {
      id: without === undefined ? 'all genres' : `without ${without}`,
      setup: {
        // A new release may build or train teachers differently: never reuse another version's.
        version: packageVersion(),
        model: teacherShape,
        // Only with more than one, so that a teacher of one member keeps its cache key.
        ...(members === 1 ? {} : { members }),
        training: config.teacherTraining,
        dataset: config.dataset,
        split: config.split,
        validationFraction: config.validationFraction,
        dataSeed: config.dataSeed,
        // Only under shift, so that E1's teacher keeps its cache key.
        ...(without === undefined ? {} : { without }),
      },
      fingerprint: () => fingerprint(trainingFiles(config, dir)),
      describe:
        `on ${ratings.train.rating.length} training ratings` +
        (without === undefined ? ' of all genres' : ` of every movie not flagged ${without}`),
      build: (member) =>
        recommender(teacherShape, config.teacherTraining.seed + member, 'teacher', outputBias),
      members:
        members === 1
          ? undefined
          : {
              count: members,
              assemble: (models) =>
                assembleMembers(models, {
                  users: data.users,
                  items: data.items,
                  ...teacherShape,
                  seed: 0,
                  name: 'teacher',
                  outputBias,
                }),
            },
      task: 'regression',
      data: { train: ratingsDataset(ratings.train), validation: ratingsDataset(ratings.validation) },
      training: { ...config.teacherTraining, clip },
    };
  };
  // Built once here: the runner asks for a task's teacher before each of its cells.
  const allGenres = config.shift ? undefined : teacherSpec(splits);
  const teachers = new Map(
    config.genres.map((g) => [
      g,
      allGenres ??
        teacherSpec(
          {
            train: excludeGenre(data, splits.train, g),
            validation: excludeGenre(data, splits.validation, g),
          },
          g,
        ),
    ]),
  );
  return {
    suite: 'movielens-genre',
    title:
      (config.shift ? 'E1-shift: MovieLens genres new to the teacher' : 'MovieLens genre experiment') +
      ` (${config.dataset}${settings.quick ? ', quick' : ''})`,
    dataset: config.dataset,
    config,
    tasks: config.genres,
    methods: config.methods,
    methodInput,
    tuning: config.tuning,
    task: 'regression',
    seeds: config.seeds,
    teacherFor: (genre) => teachers.get(genre)!,
    teacherMetric: (teacherOf) => {
      // Each genre's own teacher on the genre: under shift, the teacher the genre is new to.
      const byTask = Object.fromEntries(
        config.genres.map((g) => [g, testOf(teacherOf(g), byGenre.get(g)!.test)]),
      );
      if (!config.shift)
        return {
          metric: 'rmse',
          value: testOf(teacherOf(config.genres[0]), splits.test),
          on: 'all test ratings',
          byTask,
        };
      const values = Object.values(byTask);
      return {
        metric: 'rmse',
        value: values.reduce((a, b) => a + b, 0) / values.length,
        on: "each genre's test ratings by that genre's teacher, which never saw the genre (mean over genres)",
        byTask,
      };
    },
    async runCell(key, setup, teacherModel, run) {
      const genre = byGenre.get(key.task)!;
      const genreMean = meanRating(genre.train);
      const seed = 1000 * (key.seed + 1);
      const student = recommender(config.student, seed, 'student', genreMean);
      const assistant = recommender(config.assistant, seed + 1, 'assistant', genreMean);
      const result = await distill({
        teacher: teacherModel,
        student,
        assistant,
        method: setup.method,
        task: 'regression',
        data: { train: ratingsDataset(genre.train), validation: ratingsDataset(genre.validation) },
        training: mergePatch({ ...config.training, clip, seed: key.seed }, setup.training),
        storage: fileStorage(run.outDir),
        resume: true,
        events: run.events,
        sharedFits: run.sharedFits,
      });
      const test = evaluate(student, ratingsDataset(genre.test), 'regression', { clip });
      student.dispose();
      assistant.dispose();
      return cellRecord(key, test, result);
    },
  };
}
