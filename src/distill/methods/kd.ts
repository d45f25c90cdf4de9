import { tf, type LayersModel, type Scalar, type Tensor } from '../../engine/tf.js';
import type { Phase, TaskKind } from '../method.js';
import { softTargetLoss, taskLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';
import type { Predictor } from './teacher_head.js';

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
