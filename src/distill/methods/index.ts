import type { Tensor } from '../../engine/tf.js';
import { createTalking } from '../../communication/talking.js';
import type { MethodConfig } from '../config.js';
import type { Distiller, MethodContext } from '../method.js';
import { decoupledKdLoss, taskLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';
import { createStudentOnly } from './student.js';
import { downstreamTeacher } from './teacher_head.js';
import { kdPhase } from './kd.js';
import { createFitnet, createRkd } from './representation.js';

const plain = (ctx: MethodContext, phase: Distiller['phases'][number]): Distiller => ({
  phases: [phase],
  parts: { student: ctx.student },
  dispose: () => {},
});

/** Sets a method up for one teacher/student pair; every method then trains in the same loop. */
export async function createDistiller(config: MethodConfig, ctx: MethodContext): Promise<Distiller> {
  switch (config.name) {
    case 'student':
      return createStudentOnly(ctx);
    case 'kd': {
      const teacher = await downstreamTeacher(ctx, config.teacherHead);
      return plain(ctx, kdPhase(ctx.student, teacher.predict, ctx.task, config));
    }
    case 'fitnet':
      return createFitnet(ctx, config);
    case 'rkd':
      return createRkd(ctx, config);
    case 'dkd': {
      if (ctx.task !== 'classification') {
        throw new Error(
          `dkd is defined for classification only (the task here is ${ctx.task}); for ratings use kd, whose soft target is the teacher's rating`,
        );
      }
      const teacher = await downstreamTeacher(ctx, config.teacherHead);
      return plain(ctx, {
        name: 'main',
        groups: [{ variables: trainableVariables(ctx.student), lrMultiplier: 1 }],
        losses: (batch, { epoch }) => {
          const logits = ctx.student.apply(batch.inputs, { training: true }) as Tensor;
          const warmup = Math.min(1, (epoch + 1) / Math.max(1, config.warmupEpochs));
          const dkd = decoupledKdLoss(logits, teacher.predict(batch.inputs), batch.target, config);
          return { task: taskLoss(ctx.task, logits, batch.target), dkd: dkd.mul(warmup) };
        },
      });
    }
    case 'takd': {
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
      return plain(ctx, kdPhase(ctx.student, fromAssistant, ctx.task, config));
    }
    case 'talking':
      return createTalking(config, ctx);
  }
}
