import { tf, type LayersModel, type Tensor } from '../../engine/tf.js';
import { ModelGraph } from '../../models/cut.js';
import type { Distiller, MethodContext } from '../method.js';
import { relationalKdLoss, taskLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';

/**
 * Shared by the feature-based baselines: the student's output and its state at one layer, and the
 * frozen teacher's state at one layer (default: both penultimate representations).
 */
function representations(ctx: MethodContext, studentLayer?: string, teacherLayer?: string) {
  if (!ctx.teacher) throw new Error('this method needs a teacher model');
  const sGraph = new ModelGraph(ctx.student);
  const tGraph = new ModelGraph(ctx.teacher);
  const a = studentLayer ?? sGraph.penultimate();
  const b = teacherLayer ?? tGraph.penultimate();
  const feeds = (graph: ModelGraph, inputs: Tensor[]) =>
    Object.fromEntries(graph.inputNames.map((n, i) => [n, inputs[i]]));
  return {
    a,
    b,
    sShape: sGraph.stateShape(a),
    tShape: tGraph.stateShape(b),
    run(inputs: Tensor[]) {
      const s = sGraph.run(feeds(sGraph, inputs), [a, sGraph.outputName], true);
      const t = tf.tidy(() => tGraph.run(feeds(tGraph, inputs), [b], false)[b]);
      return { output: s[sGraph.outputName], studentState: s[a], teacherState: t };
    },
  };
}

function single(
  ctx: MethodContext,
  extra: LayersModel[],
  losses: Distiller['phases'][number]['losses'],
): Distiller {
  return {
    phases: [
      {
        name: 'main',
        groups: [{ variables: trainableVariables(ctx.student, ...extra), lrMultiplier: 1 }],
        losses,
      },
    ],
    parts: Object.fromEntries([['student', ctx.student], ...extra.map((m) => [m.name, m])]),
    dispose: () => extra.forEach((m) => m.dispose()),
  };
}

/**
 * FitNets (Romero et al. 2015), in the single-stage form of RepDistiller and mdistiller: task loss
 * plus beta * MSE between a learned regressor of the student's state and the teacher's state.
 * The regressor is a dense layer for vectors and a 1x1 convolution for feature maps.
 */
export function createFitnet(
  ctx: MethodContext,
  { beta, studentLayer, teacherLayer }: { beta: number; studentLayer?: string; teacherLayer?: string },
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
  return single(ctx, [regressor], (batch) => {
    const { output, studentState, teacherState } = rep.run(batch.inputs);
    const hint = tf.losses.meanSquaredError(teacherState, regressor.apply(studentState) as Tensor);
    return { task: taskLoss(ctx.task, output, batch.target), hint: hint.mul(beta) };
  });
}

/** Relational KD (Park et al. 2019) on the penultimate representations, plus the task loss. */
export function createRkd(
  ctx: MethodContext,
  config: {
    distanceWeight: number;
    angleWeight: number;
    relationSize: number;
    studentLayer?: string;
    teacherLayer?: string;
  },
): Distiller {
  const rep = representations(ctx, config.studentLayer, config.teacherLayer);
  return single(ctx, [], (batch) => {
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
