import { z } from 'zod';
import { fields } from '../../util/schema.js';
import type { Tensor } from '../../engine/tf.js';
import type { Distiller, MethodContext } from '../method.js';
import { decoupledKdLoss, taskLoss } from '../losses.js';
import { downstreamTeacher } from './teacher_head.js';
import { singlePhase } from './single_phase.js';
import { teacherHead, teacherOptions } from './common_options.js';
import { settingKnob } from './knob.js';

export const dkdSchema = fields({
  name: z.literal('dkd'),
  alpha: z.number().min(0).default(1),
  beta: z.number().min(0).default(8),
  temperature: z.number().positive().default(4),
  /** Epochs over which the DKD term ramps up linearly from 0, as in the paper's code. */
  warmupEpochs: z.number().int().min(0).default(5),
  teacherHead,
  teacher: teacherOptions,
});

/** Its tuning knob: the weight of the non-target term. */
export const dkdKnob = settingKnob('beta', [1, 2, 4, 8], (beta) => ({ beta }));

/** Decoupled KD (Zhao et al. 2022) for classes, its term ramped up over `warmupEpochs` as in the paper's code. */
export async function createDkd(config: z.output<typeof dkdSchema>, ctx: MethodContext): Promise<Distiller> {
  const teacher = await downstreamTeacher(ctx, config.teacherHead);
  const distiller = singlePhase(ctx, (batch, { epoch }) => {
    const logits = ctx.student.apply(batch.inputs, { training: true }) as Tensor;
    const warmup = Math.min(1, (epoch + 1) / Math.max(1, config.warmupEpochs));
    const dkd = decoupledKdLoss(logits, teacher.predict(batch.inputs), batch.target, config);
    return { task: taskLoss(ctx.task, logits, batch.target), dkd: dkd.mul(warmup) };
  });
  return { ...distiller, dispose: teacher.dispose };
}
