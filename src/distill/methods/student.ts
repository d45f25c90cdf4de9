import type { Distiller, MethodContext } from '../method.js';
import { taskLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';
import type { Tensor } from '../../engine/tf.js';

/** `student`: the downstream labels only. */
export function createStudentOnly(ctx: MethodContext): Distiller {
  const { student, task } = ctx;
  return {
    phases: [
      {
        name: 'main',
        groups: [{ variables: trainableVariables(student), lrMultiplier: 1 }],
        losses: (batch) => ({
          task: taskLoss(task, student.apply(batch.inputs, { training: true }) as Tensor, batch.target),
        }),
      },
    ],
    parts: { student },
    dispose: () => {},
  };
}
