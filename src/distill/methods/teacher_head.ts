import { tf, type LayersModel, type SymbolicTensor, type Tensor } from '../../engine/tf.js';
import { ModelGraph } from '../../models/cut.js';
import type { MethodContext } from '../method.js';
import { taskLoss } from '../losses.js';
import { variablesOf } from '../variables.js';

/** A frozen model's predictions for a batch's inputs, as fixed targets. */
export type Predictor = (inputs: Tensor[]) => Tensor;

function outputSize(model: LayersModel): number {
  return (model.outputs[0].shape as number[]).slice(1).reduce((a, b) => a * b, 1);
}

/**
 * The teacher as a downstream predictor. When its label space differs from the student's (`auto`:
 * the output sizes differ; `finetune`: always, e.g. other classes of the same count), a new head
 * on its penultimate representation is first trained on the downstream data with the body frozen.
 */
export async function downstreamTeacher(
  ctx: MethodContext,
  mode: 'auto' | 'finetune' | 'keep',
  teacher: LayersModel | undefined = ctx.teacher,
): Promise<{ predict: Predictor; model: LayersModel; dispose: () => void }> {
  if (!teacher) throw new Error('this method needs a teacher model');
  const differs = outputSize(teacher) !== outputSize(ctx.student);
  if (mode === 'keep' && differs) {
    throw new Error(
      `teacherHead "keep": the teacher predicts ${outputSize(teacher)} values, the student ${outputSize(ctx.student)}`,
    );
  }
  if (mode === 'keep' || (mode === 'auto' && !differs)) {
    return {
      predict: (inputs) => teacher.apply(inputs, { training: false }) as Tensor,
      model: teacher,
      dispose: () => {},
    };
  }
  const graph = new ModelGraph(teacher);
  const features = teacher.getLayer(graph.penultimate()).output as SymbolicTensor;
  const head = tf.layers.dense({
    units: outputSize(ctx.student),
    // From the run's seed, not the method's: every method that needs this head shares one fit.
    kernelInitializer: tf.initializers.glorotUniform({
      seed: ctx.seedRandom.derive('teacher-head').seedInt(),
    }),
    name: 'downstream_head',
  });
  const withHead = tf.model({
    inputs: teacher.inputs,
    outputs: head.apply(features) as SymbolicTensor,
    name: 'teacher_downstream',
  });
  const fit = ctx.fitShared(
    [
      {
        name: 'teacher-head',
        groups: [{ variables: variablesOf(head.trainableWeights), lrMultiplier: 1 }],
        losses: (batch) => {
          const body = graph.run(
            Object.fromEntries(graph.inputNames.map((n, i) => [n, batch.inputs[i]])),
            [graph.penultimate()],
            false,
          )[graph.penultimate()];
          return { task: taskLoss(ctx.task, head.apply(body) as Tensor, batch.target) };
        },
      },
    ],
    withHead,
    'teacher head',
    // The fit depends on the teacher's weights (a random-teacher control has its own), on where
    // the head sits and on its size; the method and its knob do not enter.
    {
      settings: { features: graph.penultimate(), units: outputSize(ctx.student) },
      arrays: teacher.getWeights().map((w) => w.dataSync()),
    },
    variablesOf(head.trainableWeights),
  );
  // The head's weights only: disposing `withHead` would dispose the teacher's layers with it.
  await fit.catch((error: unknown) => {
    head.dispose();
    throw error;
  });
  return {
    predict: (inputs) => withHead.apply(inputs, { training: false }) as Tensor,
    model: withHead,
    dispose: () => head.dispose(),
  };
}
