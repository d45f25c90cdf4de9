import { z } from 'zod';
import { fields } from '../../util/schema.js';
import { tf, type Tensor } from '../../engine/tf.js';
import type { Distiller, MethodContext } from '../method.js';
import { taskLoss } from '../losses.js';
import { representations } from './representation.js';
import { singlePhase } from './single_phase.js';
import { layerName, teacherOptions } from './common_options.js';
import { settingKnob } from './knob.js';

export const fitnetSchema = fields({
  name: z.literal('fitnet'),
  /** Weight of the hint loss. */
  beta: z.number().min(0).default(1),
  studentLayer: layerName.optional(),
  teacherLayer: layerName.optional(),
  teacher: teacherOptions,
});

/** Its tuning knob: the hint loss's weight, over four orders of magnitude. */
export const fitnetKnob = settingKnob('beta', [0.01, 0.1, 1, 10], (beta) => ({ beta }));

/**
 * FitNets (Romero et al. 2015), in the single-stage form of RepDistiller and mdistiller: task loss
 * plus beta * MSE between a learned regressor of the student's state and the teacher's state.
 * The regressor is a dense layer for vectors and a 1x1 convolution for feature maps.
 */
export function createFitnet(
  { beta, studentLayer, teacherLayer }: z.output<typeof fitnetSchema>,
  ctx: MethodContext,
): Distiller {
  const rep = representations(ctx, studentLayer, teacherLayer);
  const seed = ctx.random.derive('fitnet-regressor').seedInt();
  const input = tf.input({ shape: rep.sShape });
  const maps = rep.sShape.length === 3 && rep.tShape.length === 3;
  if (!maps && (rep.sShape.length !== 1 || rep.tShape.length !== 1)) {
    throw new Error(
      `fitnet: states at "${rep.a}" [${rep.sShape}] and "${rep.b}" [${rep.tShape}] must both be vectors or both feature maps`,
    );
  }
  if (maps && (rep.sShape[0] !== rep.tShape[0] || rep.sShape[1] !== rep.tShape[1])) {
    throw new Error(`fitnet: feature maps at "${rep.a}" and "${rep.b}" must have the same height and width`);
  }
  const layer = maps
    ? tf.layers.conv2d({
        filters: rep.tShape[2],
        kernelSize: 1,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      })
    : tf.layers.dense({ units: rep.tShape[0], kernelInitializer: tf.initializers.glorotUniform({ seed }) });
  const regressor = tf.model({
    inputs: input,
    outputs: layer.apply(input) as tf.SymbolicTensor,
    name: 'fitnet_regressor',
  });
  return singlePhase(
    ctx,
    (batch) => {
      const { output, studentState, teacherState } = rep.run(batch.inputs);
      const hint = tf.losses.meanSquaredError(teacherState, regressor.apply(studentState) as Tensor);
      return { task: taskLoss(ctx.task, output, batch.target), hint: hint.mul(beta) };
    },
    [regressor],
  );
}
