import { tf, type Tensor } from '../tf.js';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRADIENT,
  canFuseBatchNorm,
  MOVING_AVERAGES,
} from './batch_norm_kernels.js';

/**
 * Batch normalization in training (statistics of the batch, over every axis but the last) as one
 * op with a closed-form gradient. tfjs-layers composes it from `tf.moments` and `tf.batchNorm`, so
 * a training step records about a dozen kernels per layer and differentiates each of them: the
 * moments' gradients alone tile and multiply full tensors several times. Here the tape holds one
 * node, and the gradient is two per-channel sums and one element-wise map. On the wasm backend
 * each direction is one kernel of SIMD loops (batch_norm_kernels.ts); other backends run tf ops.
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
    const [value, mean, variance, inverseDeviation] = fused
      ? (tf.engine().runKernel(BATCH_NORM_TRAINING, { x: xs, gamma: g, beta: b }, { epsilon }) as Tensor[])
      : composedForward(xs, g, b, axes, epsilon);
    // The op runs in a tidy of its own: the statistics leave it kept, for the caller to dispose.
    statistics = [tf.keep(mean), tf.keep(variance)];
    (save as (tensors: Tensor[]) => void)([xs, mean, g, inverseDeviation]);
    return {
      value,
      gradFunc: (dy: Tensor, [xSaved, meanSaved, gammaSaved, inverseSaved]: Tensor[]) =>
        fused
          ? (tf.engine().runKernel(BATCH_NORM_TRAINING_GRADIENT, {
              dy,
              x: xSaved,
              mean: meanSaved,
              gamma: gammaSaved,
              inverseDeviation: inverseSaved,
            }) as Tensor[])
          : composedGradients(dy, xSaved, meanSaved, gammaSaved, inverseSaved, axes, count),
    };
  });
  const output = normalize(x, gamma, beta);
  const [mean, variance] = statistics!;
  return { output, mean, variance };
}

/** The output, mean, variance and 1 / sqrt(variance + epsilon), as tf.moments and tf.batchNorm compute them. */
function composedForward(x: Tensor, gamma: Tensor, beta: Tensor, axes: number[], epsilon: number): Tensor[] {
  const mean = tf.mean(x, axes);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), axes);
  const inverseDeviation = tf.rsqrt(tf.add(variance, epsilon));
  return [tf.batchNorm(x, mean, variance, beta, gamma, epsilon), mean, variance, inverseDeviation];
}

/**
 * With xhat = (x - mean) / sigma: dbeta = sum(dy), dgamma = sum(dy * xhat) and
 * dx = gamma / sigma * (dy - dbeta / N - xhat * dgamma / N), written as one per-channel map of dy
 * and x - mean (the wasm loops compute the same).
 */
function composedGradients(
  dy: Tensor,
  x: Tensor,
  mean: Tensor,
  gamma: Tensor,
  inverseDeviation: Tensor,
  axes: number[],
  count: number,
): Tensor[] {
  const centred = tf.sub(x, mean);
  const [dySum, centredSum] = [tf.sum(dy, axes), tf.sum(tf.mul(dy, centred), axes)];
  const dyScale = tf.mul(gamma, inverseDeviation);
  const centredScale = tf.neg(
    tf.div(tf.mul(tf.mul(dyScale, tf.square(inverseDeviation)), centredSum), count),
  );
  const shift = tf.neg(tf.div(tf.mul(dyScale, dySum), count));
  const dx = tf.add(tf.add(tf.mul(dy, dyScale), tf.mul(centred, centredScale)), shift);
  return [dx, tf.mul(centredSum, inverseDeviation), dySum];
}

/**
 * The moving averages of a batch norm layer after a batch: moving - (moving - batch) * (1 -
 * momentum) for the mean and the variance, as tfjs-layers computes them op by op (the same bits;
 * one kernel on wasm).
 */
export function movingAverages(
  movingMean: Tensor,
  movingVariance: Tensor,
  mean: Tensor,
  variance: Tensor,
  momentum: number,
): [Tensor, Tensor] {
  if (tf.getBackend() === 'wasm') {
    return tf
      .engine()
      .runKernel(MOVING_AVERAGES, { movingMean, movingVariance, mean, variance }, { momentum }) as [
      Tensor,
      Tensor,
    ];
  }
  const average = (moving: Tensor, value: Tensor) =>
    tf.sub(moving, tf.mul(tf.sub(moving, value), 1 - momentum));
  return [average(movingMean, mean), average(movingVariance, variance)];
}
