import type { LayersModel } from '../../engine/tf.js';
import { buildRecommender, type RecommenderConfig } from '../../models/recommender.js';
import { ratingsDataset, type MovieLens, type Ratings } from '../../data/movielens/ratings.js';
import { distill } from '../../distill/distill.js';
import type { TrainingConfig } from '../../distill/training-config.js';
import type { TrainingEvents } from '../../distill/train.js';

/** The mean rating, where a rating model's output starts. */
export function meanRating(r: Ratings): number {
  return r.rating.reduce((a, b) => a + b, 0) / r.rating.length;
}

export interface RatingTeacherOptions {
  data: MovieLens;
  /**
   * The ratings the teacher learns from and is validated on (early stopping, the best epoch): all
   * of the training split for E1, all but one genre's movies for a shifted teacher.
   */
  ratings: { train: Ratings; validation: Ratings };
  model: Omit<RecommenderConfig, 'users' | 'items' | 'seed' | 'name' | 'outputBias'>;
  training: TrainingConfig;
  events?: TrainingEvents;
}

/** Pre-trains a rating teacher on the given ratings; `validation` is its best epoch's RMSE. */
export async function trainRatingTeacher(
  options: RatingTeacherOptions,
): Promise<{ model: LayersModel; info: { epochs: number; validation: number } }> {
  const { data, ratings, training } = options;
  const model = buildRecommender({
    users: data.users,
    items: data.items,
    ...options.model,
    seed: training.seed,
    name: 'teacher',
    outputBias: meanRating(ratings.train),
  });
  const result = await distill({
    student: model,
    method: { name: 'student' },
    task: 'regression',
    data: { train: ratingsDataset(ratings.train), validation: ratingsDataset(ratings.validation) },
    training: { ...training, clip: data.ratingRange },
    events: options.events,
  });
  return { model, info: { epochs: result.epochs, validation: result.validation?.value ?? NaN } };
}
