import { z } from 'zod';
import { fields } from '../../util/schema.js';
import type { Tensor } from '../../engine/tf.js';
import type { Distiller, MethodContext } from '../method.js';
import { downstreamTeacher } from './teacher_head.js';
import { kdFields, kdPhase } from './kd.js';
import { fromPhase } from './single_phase.js';

/** kd's settings: the same two terms, once into the assistant and once from it. */
export const takdSchema = fields({ name: z.literal('takd'), ...kdFields });

/** Teacher-assistant KD (Mirzadeh et al. 2020): kd into the assistant first, then kd from it into the student. */
export async function createTakd(
  config: z.output<typeof takdSchema>,
  ctx: MethodContext,
): Promise<Distiller> {
  if (!ctx.assistant)
    throw new Error('takd needs an assistant model (a mid-size model between teacher and student)');
  const teacher = await downstreamTeacher(ctx, config.teacherHead);
  await ctx.fit(
    [kdPhase(ctx.assistant, teacher.predict, ctx.task, config, 'assistant')],
    ctx.assistant,
    'assistant',
  );
  const assistant = ctx.assistant;
  const fromAssistant = (inputs: Tensor[]) => assistant.apply(inputs, { training: false }) as Tensor;
  return {
    ...fromPhase(ctx, kdPhase(ctx.student, fromAssistant, ctx.task, config)),
    dispose: teacher.dispose,
  };
}
