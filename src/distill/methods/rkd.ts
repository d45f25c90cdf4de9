import type { z } from 'zod';
import type { rkdSchema } from '../config.js';
import type { Distiller, MethodContext } from '../method.js';
import { relationalKdLoss, taskLoss } from '../losses.js';
import { representations } from './representation.js';
import { singlePhase } from './single_phase.js';

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
