import { tf, type Tensor } from '../engine/tf.js';
import { adam, momentum as sgdMomentum } from '../engine/optimizers.js';
import type { TrainingConfig } from './training-config.js';
import type { NamedTensor } from './checkpoint.js';

export function makeOptimizer(config: TrainingConfig): tf.Optimizer {
  const { name, learningRate, momentum } = config.optimizer;
  return name === 'adam' ? adam(learningRate) : sgdMomentum(learningRate, momentum);
}

export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  // SGD and momentum keep the rate in a tensor that setLearningRate replaces; Adam reads the field.
  const sgd = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(rate);
  else sgd.learningRate = rate;
}

/** Adam's running powers beta^t, which its getWeights leaves out. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

const POWERS = ['accBeta1', 'accBeta2'] as const;

/**
 * By class name, not `instanceof`: tfjs's Optimizer answers `instanceof` by duck typing (any object
 * with minimize, computeGradients and applyGradients), so every optimizer is an AdamOptimizer there.
 */
const adamPowers = (optimizer: tf.Optimizer): AdamPowers | undefined =>
  optimizer.getClassName() === tf.AdamOptimizer.className ? (optimizer as unknown as AdamPowers) : undefined;

/**
 * An optimizer's whole state, for a checkpoint: tfjs's getWeights (the iteration count first) plus
 * Adam's beta powers. tfjs's setWeights recomputes those as pow(beta, t + 1), which differs in the
 * last bits from the product Adam accumulates step by step, so a resumed run would drift from an
 * uninterrupted one. `owned` are the tensors made for the snapshot (the caller disposes them); the
 * others are the optimizer's live variables.
 */
export async function optimizerState(
  optimizer: tf.Optimizer,
): Promise<{ weights: NamedTensor[]; owned: Tensor[] }> {
  const [iterations, ...slots] = await optimizer.getWeights();
  const powers = adamPowers(optimizer);
  return {
    weights: [
      iterations,
      ...slots,
      ...(powers ? POWERS.map((name) => ({ name, tensor: powers[name] as Tensor })) : []),
    ],
    owned: [iterations.tensor],
  };
}

/** Restores a state saved by `optimizerState` into a new optimizer of the same kind. */
export async function restoreOptimizer(optimizer: tf.Optimizer, weights: NamedTensor[]): Promise<void> {
  const powers = adamPowers(optimizer);
  const saved = powers ? weights.slice(-POWERS.length) : [];
  await optimizer.setWeights(powers ? weights.slice(0, -POWERS.length) : weights);
  if (powers) POWERS.forEach((name, i) => powers[name].assign(saved[i].tensor));
}
