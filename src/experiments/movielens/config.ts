import { z } from 'zod';
import { ML100K_SPLITS } from '../../data/movielens/ml100k.js';
import { MOVIELENS_DATASETS } from '../../data/movielens/load.js';
import { formatIssues } from '../../util/schema.js';
import { trainingSchema } from '../../distill/training-config.js';
import { checkMethodList } from '../method_list.js';
import { methodsFor } from '../../distill/methods/registry.js';

const recommender = (embedding: number, hidden: number[]) =>
  z
    .strictObject({
      embedding: z.number().int().positive().default(embedding),
      hidden: z.array(z.number().int().positive()).default(hidden),
    })
    .prefault({});

/**
 * E1 of experiments.md as one serialisable config (torchdistill style): every number that shapes
 * a result is here and is written into results.json and report.md.
 */
export const movielensGenreSchema = z.strictObject({
  dataset: z.enum(MOVIELENS_DATASETS).default('ml-100k'),
  /** ml-100k's split files (test = <split>.test, training pool = <split>.base). */
  split: z.enum(ML100K_SPLITS).default('u1'),
  validationFraction: z.number().gt(0).lt(1).default(0.1),
  /**
   * Seed of the data split, fixed across the method seeds so that every cell is validated and
   * tested on the same ratings; the method seeds vary initialisation and batch order.
   */
  dataSeed: z.number().int().min(0).default(0),
  genres: z.array(z.string()).min(1).default(['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi']),
  /** Methods, or talking variants from `variants` (dkd is for classes only). */
  methods: z.array(z.string()).min(1).default(methodsFor('regression')),
  seeds: z.number().int().min(1).default(3),
  teacher: recommender(64, [256, 128, 64]),
  student: recommender(8, [32, 16]),
  /** takd's assistant: between teacher and student in every dimension. */
  assistant: recommender(24, [96, 48]),
  teacherTraining: trainingSchema.prefault({ epochs: 20, batchSize: 1024, patience: 3, clip: [1, 5] }),
  /** The same budget, optimizer and batch size for every method. */
  training: trainingSchema.prefault({ epochs: 30, batchSize: 512, patience: 5, clip: [1, 5] }),
  /** Named method configs beyond the defaults (ablations), e.g. { "talking-no-mc": { name: "talking", weights: { mc: 0 } } }. */
  variants: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});

export type MovielensGenreConfig = z.output<typeof movielensGenreSchema>;

/** `--quick`: the two smallest genres, one seed, a shorter budget: minutes, not an hour. */
export const QUICK = {
  genres: ['Sci-Fi', 'Horror'],
  seeds: 1,
  teacherTraining: { epochs: 8, batchSize: 1024, patience: 2, clip: [1, 5] },
  training: { epochs: 12, batchSize: 512, patience: 3, clip: [1, 5] },
};

/** `--ablate`: talking without each part, with 1-3 rounds and with a fine-tuned teacher, on two genres. */
export const ABLATIONS: Record<string, Record<string, unknown>> = {
  'talking-no-mc': { name: 'talking', weights: { mc: 0 } },
  'talking-no-sc': { name: 'talking', weights: { sc: 0 } },
  'talking-no-task': { name: 'talking', interactTask: false },
  'talking-n2': {
    name: 'talking',
    layers: [
      { student: 'concat', teacher: 'concat' },
      { student: 'dense_1', teacher: 'dense_2' },
      { student: 'dense_2', teacher: 'dense_3' },
    ],
  },
  'talking-n3': {
    name: 'talking',
    layers: [
      { student: 'concat', teacher: 'concat' },
      { student: 'dense_1', teacher: 'dense_1' },
      { student: 'dense_2', teacher: 'dense_2' },
      { student: 'rating', teacher: 'dense_3' },
    ],
  },
  'talking-finetune': { name: 'talking', teacher: { mode: 'finetune', lrMultiplier: 0.1 } },
};

export function parseMovielensGenreConfig(input: unknown): MovielensGenreConfig {
  const result = movielensGenreSchema.safeParse(input ?? {});
  if (!result.success) throw new Error(formatIssues('movielens-genre config', result.error));
  const config = result.data;
  checkMethodList('movielens-genre', config.methods, config.variants);
  return config;
}
