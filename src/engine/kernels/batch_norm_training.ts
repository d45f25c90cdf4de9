import { tf, type Tensor } from '../tf.js';
import {
  BATCH_NORM_CENTRE,
  BATCH_NORM_INPUT_GRADIENT,
  BATCH_NORM_SUMS,
  canFuseBatchNorm,
} from './batch_norm_kernels.js';

/**
 * Batch normalization in training (statistics of the batch, over every axis but the last) as one
 * op with a closed-form gradient. tfjs-layers composes it from `tf.moments` and `tf.batchNorm`, so
 * a training step records about a dozen kernels per layer and differentiates each of them: the
 * moments' gradients alone tile and multiply full tensors several times. Here the tape holds one
 * node, and the gradient is two per-channel sums and one element-wise map. On the wasm backend
 * the statistics take two passes over x (the mean, then x - mean with the sums of its squares),
 * the normalization one, and the gradient two (SIMD loops of batch_norm_kernels.ts and the kernel
 * pack's per-channel kernels); other backends run tf ops.
 */

export interface BatchStatistics {
  /** (x - mean) * gamma / sqrt(variance + epsilon) + beta. */
  output: Tensor;
  /** The batch's per-channel mean and (biased, as tfjs-layers') variance, [C]; the caller disposes them. */
  mean: Tensor;
  variance: Tensor;
}

/**
 * Normalizes `x` ([..., C]) with its batch statistics, computed as `tf.moments` does (mean, then
 * the mean of the squared deviations), and scales and shifts by `gamma` and `beta` ([C]).
 * Gradients flow to x, gamma and beta; the returned mean and variance carry none (they feed
 * moving averages).
 */
export function batchNormInTraining(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  epsilon: number,
): BatchStatistics {
  const channels = x.shape[x.shape.length - 1];
  if (x.rank < 2 || gamma.shape.join() !== `${channels}` || beta.shape.join() !== `${channels}`) {
    throw new Error(
      `batchNormInTraining: expected x of rank 2 or more and gamma and beta of shape [${channels}] ` +
        `(its last axis), got x [${x.shape}], gamma [${gamma.shape}], beta [${beta.shape}]`,
    );
  }
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const count = x.size / channels;
  const fused = canFuseBatchNorm(x);
  let statistics: [Tensor, Tensor] | undefined;
  const normalize = tf.customGrad((input, scale, offset, save) => {
    const [xs, g, b] = [input, scale, offset] as Tensor[];
    const mean = tf.mean(xs, axes);
    let centred: Tensor;
    let variance: Tensor;
    if (fused) {
      const [deviations, squareSum] = tf.engine().runKernel(BATCH_NORM_CENTRE, { x: xs, mean }) as Tensor[];
      [centred, variance] = [deviations, tf.div(squareSum, count)];
    } else {
      centred = tf.sub(xs, mean);
      variance = tf.mean(tf.square(centred), axes);
    }
    const inverseDeviation = tf.rsqrt(tf.add(variance, epsilon));
    // The op runs in a tidy of its own: the statistics leave it kept, for the caller to dispose.
    statistics = [tf.keep(mean), tf.keep(variance)];
    // Saved for the gradient in place of x: the gradient needs x only as x - mean.
    (save as (tensors: Tensor[]) => void)([centred, g, inverseDeviation]);
    return {
      value: tf.batchNorm(xs, mean, variance, b, g, epsilon),
      gradFunc: (dy: Tensor, saved: Tensor[]) => gradients(dy, saved, axes, count, fused),
    };
  });
  const output = normalize(x, gamma, beta);
  const [mean, variance] = statistics!;
  return { output, mean, variance };
}

/**
 * With xhat = (x - mean) / sigma: dbeta = sum(dy), dgamma = sum(dy * xhat) and
 * dx = gamma / sigma * (dy - dbeta / N - xhat * dgamma / N), written as one per-channel map of dy
 * and x - mean.
 */
function gradients(
  dy: Tensor,
  [centred, gamma, inverseDeviation]: Tensor[],
  axes: number[],
  count: number,
  fused: boolean,
): Tensor[] {
  const [dySum, centredSum] = fused
    ? (tf.engine().runKernel(BATCH_NORM_SUMS, { dy, centred }) as Tensor[])
    : [tf.sum(dy, axes), tf.sum(tf.mul(dy, centred), axes)];
  const dyScale = tf.mul(gamma, inverseDeviation);
  const centredScale = tf.neg(
    tf.div(tf.mul(tf.mul(dyScale, tf.square(inverseDeviation)), centredSum), count),
  );
  const shift = tf.neg(tf.div(tf.mul(dyScale, dySum), count));
  const dx = fused
    ? (tf.engine().runKernel(BATCH_NORM_INPUT_GRADIENT, {
        dy,
        centred,
        a: dyScale,
        b: centredScale,
        d: shift,
      }) as Tensor)
    : tf.add(tf.mul(dy, dyScale), tf.add(tf.mul(centred, centredScale), shift));
  return [dx, tf.mul(centredSum, inverseDeviation), dySum];
}
