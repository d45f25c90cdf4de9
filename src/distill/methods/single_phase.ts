import type { LayersModel } from '../../engine/tf.js';
import type { Distiller, MethodContext, Phase } from '../method.js';
import { trainableVariables } from '../variables.js';

/** A method of one phase; `extra` are models of its own (e.g. a regressor) that train and checkpoint with the student. */
export function fromPhase(ctx: MethodContext, phase: Phase, extra: LayersModel[] = []): Distiller {
  return {
    phases: [phase],
    parts: Object.fromEntries([['student', ctx.student], ...extra.map((m) => [m.name, m])]),
    dispose: () => extra.forEach((m) => m.dispose()),
  };
}

/** A method of one phase that trains the student and `extra` on the sum of `losses`. */
export function singlePhase(
  ctx: MethodContext,
  losses: Phase['losses'],
  extra: LayersModel[] = [],
): Distiller {
  return fromPhase(
    ctx,
    {
      name: 'main',
      groups: [{ variables: trainableVariables(ctx.student, ...extra), lrMultiplier: 1 }],
      losses,
    },
    extra,
  );
}
