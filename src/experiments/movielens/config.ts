import { z } from 'zod';
import { ML100K_SPLITS } from '../../data/movielens/ml100k.js';
import { MOVIELENS_DATASETS } from '../../data/movielens/load.js';
import { fields, formatIssues } from '../../util/schema.js';
import { trainingSchema } from '../../distill/training-config.js';
import { checkMethodList, CONTROLS } from '../method_list.js';
import { tuningSchema } from '../tuning.js';
import { methodsFor } from '../../distill/methods/registry.js';
import { isPureFactorisation } from '../../models/recommender.js';

interface RecommenderShape {
  embedding: number;
  hidden: number[];
  biases?: boolean;
  factors?: number;
}

const shapeOf = (shape: RecommenderShape) =>
  z.strictObject({
    embedding: z.number().int().positive().default(shape.embedding),
    hidden: z.array(z.number().int().positive()).default(shape.hidden),
    biases: z.boolean().default(shape.biases ?? false),
    factors: z
      .number()
      .int()
      .min(0)
      .default(shape.factors ?? 0),
  });

/** Refines a shape: the factors are leading dimensions of the vectors. */
const factorsWithinEmbedding = <T extends z.ZodType<{ factors: number; embedding: number }>>(shape: T) =>
  shape.refine((r) => r.factors <= r.embedding, {
    path: ['factors'],
    message: 'factors must be at most embedding: they are dimensions of the user and item vectors',
  });

/** A recommender's shape (see `buildRecommender`), defaulting to `shape`. */
const recommender = (shape: RecommenderShape) => factorsWithinEmbedding(shapeOf(shape)).prefault({});

const MEMBERS = 'members must be a positive integer (how many factorisations are trained and averaged)';

/** Members of a pure factorisation teacher when the config does not say: docs/experiment-choices.md chose 4 on validation. */
const DEFAULT_MEMBERS = 4;

/**
 * A teacher's shape: a recommender, or with `members` the mean of that many of them, trained
 * separately with consecutive training seeds (docs/experiment-choices.md says why). Without
 * `members`, a pure factorisation has DEFAULT_MEMBERS and any other shape one, so that a config
 * that changes the teacher's layers needs no second change.
 */
const teacher = (shape: RecommenderShape) =>
  factorsWithinEmbedding(
    shapeOf(shape).extend({
      members: z.number({ error: MEMBERS }).int({ error: MEMBERS }).positive({ error: MEMBERS }).optional(),
    }),
  )
    .transform((r) => ({ ...r, members: r.members ?? (isPureFactorisation(r) ? DEFAULT_MEMBERS : 1) }))
    .refine((r) => r.members === 1 || isPureFactorisation(r), {
      path: ['members'],
      message:
        'more than one member needs a pure factorisation (factors > 0, hidden: []): the members are averaged inside one factorisation graph',
    })
    .prefault({});

/**
 * The teacher's optimizer: Adam with weight decay on the embeddings, without which factorisation
 * overfits within a few epochs (docs/experiment-choices.md has the validation table).
 */
const TEACHER_OPTIMIZER = { name: 'adam', learningRate: 1e-3, weightDecay: 3e-4 } as const;

/**
 * E1 of experiments.md as one serialisable config (torchdistill style): every number that shapes
 * a result is here and is written into results.json and report.md.
 */
export const movielensGenreSchema = fields({
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
  /**
   * E1-shift: each genre gets its own teacher, pre-trained (and early-stopped) on every rating
   * except those of the genre's movies, so that the downstream movies are new to it.
   */
  shift: z.boolean().default(false),
  /** Methods, or talking variants from `variants` (dkd is for classes only). */
  methods: z
    .array(z.string())
    .min(1)
    .default([...methodsFor('regression'), ...CONTROLS]),
  /** Protocol revision 2's power: 5 seeds. */
  seeds: z.number().int().min(1).default(5),
  /** Biased matrix factorisation: experiments.md's 64-dimensional embeddings, user and item biases. */
  teacher: teacher({ embedding: 64, hidden: [], biases: true, factors: 64 }),
  student: recommender({ embedding: 8, hidden: [32, 16] }),
  /** takd's assistant: between teacher and student in every dimension. */
  assistant: recommender({ embedding: 24, hidden: [96, 48] }),
  teacherTraining: trainingSchema.prefault({
    epochs: 40,
    batchSize: 512,
    patience: 4,
    optimizer: TEACHER_OPTIMIZER,
    clip: [1, 5],
  }),
  /** The same budget, optimizer and batch size for every method. */
  training: trainingSchema.prefault({ epochs: 30, batchSize: 512, patience: 5, clip: [1, 5] }),
  /** Named method configs beyond the defaults (ablations), e.g. { "talking-no-mc": { name: "talking", weights: { mc: 0 } } }. */
  variants: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  tuning: tuningSchema,
});

export type MovielensGenreConfig = z.output<typeof movielensGenreSchema>;

/** `--quick`: the two smallest genres, one seed, a shorter budget: minutes, not an hour. */
export const QUICK = {
  genres: ['Sci-Fi', 'Horror'],
  seeds: 1,
  // Minutes, not hours: the methods run at their defaults.
  tuning: { enabled: false },
  teacherTraining: { epochs: 8, batchSize: 512, patience: 2, optimizer: TEACHER_OPTIMIZER, clip: [1, 5] },
  training: { epochs: 12, batchSize: 512, patience: 3, clip: [1, 5] },
};

/**
 * `--ablate`: talking without each part, with 2 rounds and with a fine-tuned teacher, on two
 * genres. The factorisation teacher has three layers that separate its graph (`concat`, `factors`,
 * `rating`), so at most 2 rounds, the last pair the two outputs.
 */
export const ABLATIONS: Record<string, Record<string, unknown>> = {
  'talking-no-mc': { name: 'talking', weights: { mc: 0 } },
  'talking-no-sc': { name: 'talking', weights: { sc: 0 } },
  'talking-no-task': { name: 'talking', interactTask: false },
  'talking-n2': {
    name: 'talking',
    layers: [
      { student: 'concat', teacher: 'concat' },
      { student: 'dense_1', teacher: 'factors' },
      { student: 'rating', teacher: 'rating' },
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
