import { z } from 'zod';
import { fields } from '../../util/schema.js';
import { tf, type LayersModel, type Scalar, type Tensor } from '../../engine/tf.js';
import type { Distiller, MethodContext, Phase, TaskKind } from '../method.js';
import { softTargetLoss, taskLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';
import { downstreamTeacher, type Predictor } from './teacher_head.js';
import { fromPhase } from './single_phase.js';
import { teacherHead, teacherOptions } from './common_options.js';
import { settingKnob } from './knob.js';

/** kd's settings, which takd shares. */
export const kdFields = {
  temperature: z.number().positive().default(4),
  /** Weight of the distillation term; the task term gets 1 - alpha. */
  alpha: z.number().min(0).max(1).default(0.5),
  teacherHead,
  teacher: teacherOptions,
};

export const kdSchema = fields({ name: z.literal('kd'), ...kdFields });

/** kd's and takd's knob: the weight of the distillation term. */
export const alphaKnob = settingKnob('alpha', [0.25, 0.5, 0.75, 0.9], (alpha) => ({ alpha }));

type KdConfig = z.output<typeof kdSchema>;

/** What the kd terms need: the mix and the temperature of the soft targets. */
export interface KdSettings {
  temperature: number;
  alpha: number;
}

/**
 * Hinton et al. 2015's two terms, weighted: (1 - alpha) * task and alpha * soft-target loss. For
 * ratings the soft target is the teacher's prediction, matched by MSE.
 */
export function kdTerms(
  prediction: Tensor,
  teacher: Predictor,
  batch: { inputs: Tensor[]; target: Tensor },
  task: TaskKind,
  { temperature, alpha }: KdSettings,
): { task: Scalar; kd: Scalar } {
  const target = tf.tidy(() => teacher(batch.inputs));
  const kd =
    task === 'regression'
      ? (tf.losses.meanSquaredError(target, prediction) as Scalar)
      : softTargetLoss(prediction, target, temperature);
  return { task: taskLoss(task, prediction, batch.target).mul(1 - alpha), kd: kd.mul(alpha) };
}

/** A phase that trains `learner` with the kd terms alone. */
export function kdPhase(
  learner: LayersModel,
  teacher: Predictor,
  task: TaskKind,
  settings: KdSettings,
  name = 'main',
): Phase {
  return {
    name,
    groups: [{ variables: trainableVariables(learner), lrMultiplier: 1 }],
    losses: (batch) =>
      kdTerms(learner.apply(batch.inputs, { training: true }) as Tensor, teacher, batch, task, settings),
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
