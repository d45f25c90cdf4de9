import type { z } from 'zod';
import type { Tensor } from '../../engine/tf.js';
import type { dkdSchema } from '../config.js';
import type { Distiller, MethodContext } from '../method.js';
import { decoupledKdLoss, taskLoss } from '../losses.js';
import { downstreamTeacher } from './teacher_head.js';
import { singlePhase } from './single_phase.js';

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
