import { z } from 'zod';
import type { Distiller, MethodContext } from '../method.js';
import { taskLoss } from '../losses.js';
import type { Tensor } from '../../engine/tf.js';
import { singlePhase } from './single_phase.js';
import { fields } from '../../util/schema.js';

export const studentSchema = fields({ name: z.literal('student') });

/** `student`: the downstream labels only. */
export function createStudentOnly(ctx: MethodContext): Distiller {
  const { student, task } = ctx;
  return singlePhase(ctx, (batch) => ({
    task: taskLoss(task, student.apply(batch.inputs, { training: true }) as Tensor, batch.target),
  }));
}
