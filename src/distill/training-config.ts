import { z } from 'zod';
import { formatIssues } from '../util/schema.js';

/** The settings every method trains with: the same budget, optimizer and batches for all. */
export const trainingSchema = z.strictObject({
  /** Epoch budget of the main phase (and of preliminary fits such as a teacher head). */
  epochs: z.number().int().positive().default(30),
  batchSize: z.number().int().positive().default(256),
  optimizer: z
    .strictObject({
      name: z.enum(['adam', 'sgd']).default('adam'),
      learningRate: z.number().positive().default(1e-3),
      /** SGD only. */
      momentum: z.number().min(0).max(1).default(0.9),
      /** Coupled L2 penalty (wd/2 * |w|^2) on kernels and embeddings, as in SGD+weight-decay recipes. */
      weightDecay: z.number().min(0).default(0),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      name: z.enum(['constant', 'cosine', 'step']).default('constant'),
      /** `step`: multiply by gamma every stepEpochs epochs. */
      stepEpochs: z.number().int().positive().default(10),
      gamma: z.number().positive().default(0.1),
    })
    .prefault({}),
  /** Epochs without a better validation metric before stopping; 0 disables early stopping. */
  patience: z.number().int().min(0).default(5),
  seed: z.number().int().min(0).default(0),
  /** Range to clip rating predictions to before computing validation RMSE, e.g. [1, 5]. */
  clip: z.tuple([z.number(), z.number()]).optional(),
});

export type TrainingConfig = z.output<typeof trainingSchema>;
export type TrainingInput = z.input<typeof trainingSchema>;

export function parseTrainingConfig(input: unknown = {}): TrainingConfig {
  const result = trainingSchema.safeParse(input ?? {});
  if (!result.success) throw new Error(formatIssues('training config', result.error));
  return result.data;
}

/** Learning-rate factor of the schedule at a 0-based epoch. */
export function scheduleFactor(config: TrainingConfig, epoch: number): number {
  const { schedule, epochs } = config;
  if (schedule.name === 'cosine') return 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs));
  if (schedule.name === 'step') return schedule.gamma ** Math.floor(epoch / schedule.stepEpochs);
  return 1;
}
