import type { z } from 'zod';
import { tf, type LayersModel, type Scalar, type Tensor } from '../../engine/tf.js';
import type { Distiller, MethodContext, Phase, TaskKind } from '../method.js';
import type { kdSchema } from '../config.js';
import { softTargetLoss, taskLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';
import { downstreamTeacher, type Predictor } from './teacher_head.js';
import { fromPhase } from './single_phase.js';

type KdConfig = z.output<typeof kdSchema>;

/**
 * Hinton et al. 2015: (1 - alpha) * task + alpha * soft-target loss. For ratings the soft target is
 * the teacher's prediction, matched by MSE.
 */
export function kdPhase(
  learner: LayersModel,
  teacher: Predictor,
  task: TaskKind,
  { temperature, alpha }: { temperature: number; alpha: number },
  name = 'main',
): Phase {
  return {
    name,
    groups: [{ variables: trainableVariables(learner), lrMultiplier: 1 }],
    losses: (batch) => {
      const prediction = learner.apply(batch.inputs, { training: true }) as Tensor;
      const target = tf.tidy(() => teacher(batch.inputs));
      const kd =
        task === 'regression'
          ? (tf.losses.meanSquaredError(target, prediction) as Scalar)
          : softTargetLoss(prediction, target, temperature);
      return { task: taskLoss(task, prediction, batch.target).mul(1 - alpha), kd: kd.mul(alpha) };
    },
  };
}

/** `kd`: the student learns from the teacher's downstream predictions (a new head where needed). */
export async function createKd(config: KdConfig, ctx: MethodContext): Promise<Distiller> {
  const teacher = await downstreamTeacher(ctx, config.teacherHead);
  return {
    ...fromPhase(ctx, kdPhase(ctx.student, teacher.predict, ctx.task, config)),
    dispose: teacher.dispose,
  };
}
