import { z } from 'zod';
import type { Distiller, MethodContext } from '../method.js';
import { taskLoss } from '../losses.js';
import type { Tensor } from '../../engine/tf.js';
import { singlePhase } from './single_phase.js';
import { fields } from '../../util/schema.js';
import type { Knob } from './knob.js';

export const studentSchema = fields({ name: z.literal('student') });

/**
 * Its tuning knob: L2 weight decay. With few labels regularisation is what a plain student lacks
 * most, and the distillation terms are regularisers too; without it the baseline would be weaker
 * than a user would make it.
 */
export const studentKnob: Knob = {
  knob: 'optimizer.weightDecay',
  candidates: Object.fromEntries(
    [0, 1e-5, 1e-4, 1e-3].map((wd) => [
      String(wd),
      { method: {}, training: { optimizer: { weightDecay: wd } } },
    ]),
  ),
};

/** `student`: the downstream labels only. */
export function createStudentOnly(ctx: MethodContext): Distiller {
  const { student, task } = ctx;
  return singlePhase(ctx, (batch) => ({
    task: taskLoss(task, student.apply(batch.inputs, { training: true }) as Tensor, batch.target),
  }));
}
