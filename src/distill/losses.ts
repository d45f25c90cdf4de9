import { tf, type Scalar, type Tensor } from '../engine/tf.js';
import type { TaskKind } from './method.js';

/** The distance between two states of method.md: mse (default), cosine or smooth-L1. */
export type Distance = 'mse' | 'cosine' | 'smoothL1';

/** Flattens each example: states may be vectors or feature maps. */
function rows(x: Tensor): tf.Tensor2D {
  return x.reshape([x.shape[0], -1]);
}

/** dist(a, b) averaged over the batch: mean squared error, 1 - cosine similarity, or smooth-L1 (Huber, delta 1). */
export function distance(kind: Distance, a: Tensor, b: Tensor): Scalar {
  return tf.tidy(() => {
    if (kind === 'mse') return tf.losses.meanSquaredError(b, a) as Scalar;
    if (kind === 'smoothL1') return tf.losses.huberLoss(b, a, undefined, 1) as Scalar;
    const [x, y] = [rows(a), rows(b)];
    const dot = x.mul(y).sum(1);
    const norms = x.norm('euclidean', 1).mul(y.norm('euclidean', 1)).maximum(1e-8);
    return tf.scalar(1).sub(dot.div(norms).mean()) as Scalar;
  });
}

/** The downstream loss: MSE on ratings, softmax cross-entropy on logits against class ids. */
export function taskLoss(task: TaskKind, prediction: Tensor, target: Tensor): Scalar {
  return tf.tidy(() => {
    if (task === 'regression')
      return tf.losses.meanSquaredError(target.reshape(prediction.shape), prediction) as Scalar;
    const labels = tf.oneHot(target.reshape([-1]).toInt(), prediction.shape[1]!);
    return tf.losses.softmaxCrossEntropy(labels, prediction) as Scalar;
  });
}

/** Hinton's soft-target loss: KL(softmax(t/tau) || softmax(s/tau)) * tau^2, mean over the batch. */
export function softTargetLoss(studentLogits: Tensor, teacherLogits: Tensor, temperature: number): Scalar {
  return tf.tidy(() => {
    const p = tf.softmax(teacherLogits.div(temperature));
    const logP = tf.logSoftmax(teacherLogits.div(temperature));
    const logQ = tf.logSoftmax(studentLogits.div(temperature));
    return p
      .mul(logP.sub(logQ))
      .sum(1)
      .mean()
      .mul(temperature * temperature) as Scalar;
  });
}

/**
 * Decoupled KD (Zhao et al. 2022): TCKD, the binary KL between the target/non-target masses, and
 * NCKD, the KL between the distributions over non-target classes; each times tau^2.
 */
export function decoupledKdLoss(
  studentLogits: Tensor,
  teacherLogits: Tensor,
  labels: Tensor,
  { alpha, beta, temperature }: { alpha: number; beta: number; temperature: number },
): Scalar {
  return tf.tidy(() => {
    const classes = studentLogits.shape[1]!;
    const gt = tf.oneHot(labels.reshape([-1]).toInt(), classes).toFloat();
    const other = tf.scalar(1).sub(gt);
    const ps = tf.softmax(studentLogits.div(temperature));
    const pt = tf.softmax(teacherLogits.div(temperature));
    const eps = 1e-8;
    const binary = (p: Tensor) => tf.stack([p.mul(gt).sum(1), p.mul(other).sum(1)], 1).clipByValue(eps, 1);
    const [bs, bt] = [binary(ps), binary(pt)];
    const tckd = bt.mul(bt.log().sub(bs.log())).sum(1).mean();
    // Non-target distributions: the target logit is pushed to -infinity (here -1000) before softmax.
    const mask = gt.mul(1000);
    const logQs = tf.logSoftmax(studentLogits.div(temperature).sub(mask));
    const logQt = tf.logSoftmax(teacherLogits.div(temperature).sub(mask));
    const nckd = tf.exp(logQt).mul(logQt.sub(logQs)).mul(other).sum(1).mean();
    return tckd
      .mul(alpha)
      .add(nckd.mul(beta))
      .mul(temperature * temperature) as Scalar;
  });
}

function pairwiseDistances(x: tf.Tensor2D): tf.Tensor2D {
  const squares = x.square().sum(1, true);
  // Clamped like Park et al.'s code: equal rows (a repeated example) give 0, where sqrt's gradient
  // would be infinite; below the clamp the gradient is 0.
  const d2 = squares
    .add(squares.transpose())
    .sub(x.matMul(x, false, true).mul(2))
    .maximum(1e-12);
  return d2.sqrt().mul(tf.scalar(1).sub(tf.eye(x.shape[0]))) as tf.Tensor2D;
}

/**
 * Relational KD (Park et al. 2019) on two batches of representations: the distance term (pairwise
 * distances normalised by their mean, smooth-L1) and the angle term (cosines of the angles of
 * every triplet, smooth-L1), weighted.
 */
export function relationalKdLoss(
  student: Tensor,
  teacher: Tensor,
  { distanceWeight, angleWeight }: { distanceWeight: number; angleWeight: number },
): Scalar {
  return tf.tidy(() => {
    const [s, t] = [rows(student), rows(teacher)];
    const n = s.shape[0];
    // A batch of one has no pairs (0/0 below); its terms are 0. The last batch of an epoch can be one example.
    const offDiagonal = Math.max(1, n * (n - 1));
    const normalised = (x: tf.Tensor2D) => {
      const d = pairwiseDistances(x);
      return d.div(d.sum().div(offDiagonal).maximum(1e-12));
    };
    const distanceTerm = tf.losses.huberLoss(normalised(t), normalised(s), undefined, 1);
    const angles = (x: tf.Tensor2D) => {
      // cos of the angle at x_j between x_i and x_k, for all (j, i, k), from the Gram matrix
      // G = x x^T alone: <x_i - x_j, x_k - x_j> = G[i,k] - G[i,j] - G[j,k] + G[j,j]. One plain
      // product and broadcasting, instead of n small batched products (slow on wasm).
      const gram = x.matMul(x, false, true);
      const diag = gram.mul(tf.eye(n)).sum(1);
      const d2 = diag.expandDims(1).add(diag.expandDims(0)).sub(gram.mul(2));
      // 1/|x_i - x_j|, and 0 for a repeated example (its angles are undefined; no gradient).
      const inverse = tf.step(d2.sub(1e-12)).div(d2.maximum(1e-12).sqrt());
      const dot = gram
        .expandDims(0)
        .sub(gram.expandDims(2))
        .sub(gram.expandDims(1))
        .add(diag.reshape([n, 1, 1]));
      return dot.mul(inverse.expandDims(2)).mul(inverse.expandDims(1));
    };
    const angleTerm = tf.losses.huberLoss(angles(t), angles(s), undefined, 1);
    return distanceTerm.mul(distanceWeight).add(angleTerm.mul(angleWeight)) as Scalar;
  });
}
