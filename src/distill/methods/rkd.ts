import { z } from 'zod';
import { fields } from '../../util/schema.js';
import type { Distiller, MethodContext } from '../method.js';
import { relationalKdLoss, taskLoss } from '../losses.js';
import { representations } from './representation.js';
import { singlePhase } from './single_phase.js';
import { layerName, teacherOptions } from './common_options.js';
import { settingKnob } from './knob.js';

export const rkdSchema = fields({
  name: z.literal('rkd'),
  distanceWeight: z.number().min(0).default(25),
  angleWeight: z.number().min(0).default(50),
  /**
   * The angle term grows with the cube of the batch (512 examples: 134M angles), so relations are
   * taken over at most this many examples of each (shuffled) batch.
   */
  relationSize: z.number().int().min(3).default(64),
  studentLayer: layerName.optional(),
  teacherLayer: layerName.optional(),
  teacher: teacherOptions,
});

/**
 * Its tuning knob: both weights scaled together. The defaults (25, 50) are the RKD paper's for
 * metric learning; against a task loss they can swamp it.
 */
export const rkdKnob = settingKnob(
  'distanceWeight, angleWeight (25, 50 times the scale)',
  [0.001, 0.01, 0.1, 1],
  (scale) => ({ distanceWeight: 25 * scale, angleWeight: 50 * scale }),
  (scale) => `x${scale}`,
);

/** Relational KD (Park et al. 2019) on the penultimate representations, plus the task loss. */
export function createRkd(config: z.output<typeof rkdSchema>, ctx: MethodContext): Distiller {
  const rep = representations(ctx, config.studentLayer, config.teacherLayer);
  return singlePhase(ctx, (batch) => {
    const { output, studentState, teacherState } = rep.run(batch.inputs);
    return {
      task: taskLoss(ctx.task, output, batch.target),
      rkd: relationalKdLoss(
        studentState.slice(0, Math.min(config.relationSize, batch.size)),
        teacherState.slice(0, Math.min(config.relationSize, batch.size)),
        config,
      ),
    };
  });
}
