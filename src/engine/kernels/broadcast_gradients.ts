import { tf } from '../tf.js';

/**
 * Two tfjs gradients that materialise a whole broadcast operand before using it: Mean's builds a
 * tensor of ones the size of its input in JavaScript (a third of a conv-net training step on
 * wasm went into filling those), and FusedBatchNorm's tiles 1/sqrt(variance) to the input's shape.
 * The replacements compute the same values with broadcasting ops. Gradients are shared by all
 * backends, so the cpu reference runs these definitions too.
 */

function meanGradient(): tf.GradConfig {
  return {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const expandedShape = x.shape.map((size, axis) => (axes.includes(axis) ? 1 : size));
      const reduceSize = axes.reduce((product, axis) => product * x.shape[axis], 1);
      return {
        x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, expandedShape), reduceSize), x.shape),
      };
    },
  };
}

function batchNormGradient(): tf.GradConfig {
  const original = tf.getGradient('FusedBatchNorm');
  if (original == null) throw new Error('tfjs registers no FusedBatchNorm gradient to build on');
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x, , variance, scale] = saved;
      const { varianceEpsilon } = attrs as { varianceEpsilon: number };
      const factor = tf.rsqrt(tf.add(variance, varianceEpsilon));
      return {
        ...original.gradFunc(dy, saved, attrs),
        x: () => tf.reshape(tf.mul(dy as tf.Tensor, scale == null ? factor : tf.mul(factor, scale)), x.shape),
      };
    },
  };
}

export function registerBroadcastGradients(): void {
  tf.registerGradient(meanGradient());
  tf.registerGradient(batchNormGradient());
}
