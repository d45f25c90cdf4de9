import { tf, type Tensor } from '../../engine/tf.js';
import { ModelGraph } from '../../models/cut.js';
import type { MethodContext } from '../method.js';

/**
 * Shared by the feature-based baselines: the student's output and its state at one layer, and the
 * frozen teacher's state at one layer (default: both penultimate representations).
 */
export function representations(ctx: MethodContext, studentLayer?: string, teacherLayer?: string) {
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
