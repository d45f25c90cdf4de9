import { tf } from '../tf.js';

/**
 * Two tfjs gradients that materialise a whole broadcast operand before using it: Mean's builds a
 * tensor of ones the size of its input in JavaScript (a third of a conv-net training step on
 * wasm went into filling those), and FusedBatchNorm's tiles 1/sqrt(variance) to the input's shape.
 * The replacements compute the same values with broadcasting ops and fewer passes. Gradients are
 * shared by all backends, so the cpu reference runs these definitions too.
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

/**
 * tfjs's FusedBatchNorm gradient makes about a dozen passes over the input's size, some of them
 * tiling: each of the mean, variance and scale gradients multiplies full tensors before it sums.
 * Its input gradient is dy times a per-channel factor, of any rank. With per-channel ([C]) mean,
 * variance and scale, all five gradients follow from dy, two per-channel sums (of dy and of
 * dy * (x - mean)) and per-channel factors: five passes, algebraically the same (sums are taken
 * before the per-channel factors instead of after).
 */
function batchNormGradient(): tf.GradConfig {
  const original = tf.getGradient('FusedBatchNorm');
  if (original == null) throw new Error('tfjs registers no FusedBatchNorm gradient to build on');
  return {
    ...original,
    gradFunc: (dy, saved, attrs): ReturnType<tf.GradConfig['gradFunc']> => {
      const [x, mean, variance, scale] = saved;
      const { varianceEpsilon } = attrs as { varianceEpsilon: number };
      const gradient = dy as tf.Tensor;
      const factor = tf.rsqrt(tf.add(variance, varianceEpsilon));
      const scaled = scale == null ? factor : tf.mul(factor, scale);
      const inputGradient = () => tf.reshape(tf.mul(gradient, scaled), x.shape);
      if (mean.rank !== 1) return { ...original.gradFunc(dy, saved, attrs), x: inputGradient };
      const axes = x.shape.slice(0, -1).map((_, axis) => axis);
      // Computed once for the closures below: tfjs runs each of them in a tidy of its own.
      const dySum = tf.sum(gradient, axes);
      const centredSum = tf.sum(tf.mul(gradient, tf.sub(x, mean)), axes);
      return {
        x: inputGradient,
        mean: () => tf.neg(tf.mul(scaled, dySum)),
        variance: () => tf.mul(tf.mul(tf.mul(scaled, tf.square(factor)), -0.5), centredSum),
        scale: () => tf.mul(factor, centredSum),
        offset: () => tf.reshape(dySum, mean.shape),
      };
    },
  };
}

export function registerBroadcastGradients(): void {
  tf.registerGradient(meanGradient());
  tf.registerGradient(batchNormGradient());
}
