import { tf, type Tensor } from '../engine/tf.js';
import { batchNormInTraining, movingAverages } from '../engine/kernels/batch_norm_training.js';

export interface FusedBatchNormalizationConfig {
  /** Weight of the old value in the moving averages: moving = moving - (moving - batch) * (1 - momentum). */
  momentum?: number;
  epsilon?: number;
  name?: string;
  trainable?: boolean;
}

/**
 * tfjs-layers' BatchNormalization over the last axis, with gamma and beta, as the residual nets
 * use it, and the same in every value it computes and keeps: weights gamma, beta, moving_mean and
 * moving_variance (in that order), inference from the moving statistics, and moving averages
 * updated as tfjs-layers does, from the batch's biased variance. Training runs one fused op with a
 * closed-form gradient (`batchNormInTraining`) instead of tfjs's composition of moments, whose
 * gradients cost a fifth of a conv-net training step.
 */
export class FusedBatchNormalization extends tf.layers.Layer {
  static readonly className = 'FusedBatchNormalization';
  private readonly momentum: number;
  private readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;
  private movingMean?: tf.LayerVariable;
  private movingVariance?: tf.LayerVariable;

  constructor(config: FusedBatchNormalizationConfig = {}) {
    super(config);
    this.momentum = config.momentum ?? 0.99;
    this.epsilon = config.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(
        `FusedBatchNormalization "${this.name}": momentum must be in [0, 1], got ${config.momentum}`,
      );
    }
    if (!(this.epsilon > 0)) {
      throw new Error(
        `FusedBatchNormalization "${this.name}": epsilon must be positive, got ${config.epsilon}`,
      );
    }
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels == null) {
      throw new Error(
        `FusedBatchNormalization "${this.name}": expected an input of rank 2 or more with a known last ` +
          `axis, got [${shape.map(String).join(', ')}]`,
      );
    }
    this.inputSpec = [{ ndim: shape.length, axes: { [shape.length - 1]: channels } }];
    const weight = (name: string, initializer: ReturnType<typeof tf.initializers.ones>, trainable: boolean) =>
      this.addWeight(name, [channels], 'float32', initializer, undefined, trainable);
    this.gamma = weight('gamma', tf.initializers.ones(), true);
    this.beta = weight('beta', tf.initializers.zeros(), true);
    this.movingMean = weight('moving_mean', tf.initializers.zeros(), false);
    this.movingVariance = weight('moving_variance', tf.initializers.ones(), false);
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [gamma, beta] = [this.gamma!.read(), this.beta!.read()];
      if (!kwargs.training) {
        return tf.batchNorm(
          x,
          this.movingMean!.read(),
          this.movingVariance!.read(),
          beta,
          gamma,
          this.epsilon,
        );
      }
      const { output, mean, variance } = batchNormInTraining(x, gamma, beta, this.epsilon);
      const [movingMean, movingVariance] = [this.movingMean!, this.movingVariance!];
      const averages = movingAverages(
        movingMean.read(),
        movingVariance.read(),
        mean,
        variance,
        this.momentum,
      );
      movingMean.write(averages[0]);
      movingVariance.write(averages[1]);
      // The batch's statistics were kept out of batchNormInTraining's scope; the averages are this tidy's.
      tf.dispose([mean, variance]);
      return output;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

// Saved models name the class; loading them needs it registered.
tf.serialization.registerClass(FusedBatchNormalization);

/** tfjs BatchNormalization's config keys beyond momentum and epsilon, and the values the fused layer has. */
const TFJS_ONLY: Record<string, unknown> = {
  axis: -1,
  center: true,
  scale: true,
  beta_regularizer: null,
  gamma_regularizer: null,
  beta_constraint: null,
  gamma_constraint: null,
};
// Initializers only matter before weights are loaded, so any value is taken.
const INITIALIZERS = ['beta', 'gamma', 'moving_mean', 'moving_variance'].map((w) => `${w}_initializer`);

/**
 * Makes every tfjs BatchNormalization layer of a saved topology (model.json's `modelTopology`, at
 * any depth) that the fused layer computes identically a FusedBatchNormalization, in place: same
 * name, weights and statistics, so models saved before the fused layer existed (or built with
 * `tf.layers.batchNormalization`) train with it too. Others (another axis, no scale or centre,
 * regularizers, constraints) stay tfjs's. Returns how many layers it changed.
 */
export function upgradeBatchNormalization(topology: unknown): number {
  if (Array.isArray(topology))
    return topology.reduce((n: number, item) => n + upgradeBatchNormalization(item), 0);
  if (topology == null || typeof topology !== 'object') return 0;
  const node = topology as Record<string, unknown>;
  const config = node.config as Record<string, unknown> | undefined;
  if (
    node.class_name === 'BatchNormalization' &&
    config != null &&
    Object.entries(TFJS_ONLY).every(([key, value]) => (config[key] ?? TFJS_ONLY[key]) === value)
  ) {
    node.class_name = FusedBatchNormalization.className;
    node.config = Object.fromEntries(
      Object.entries(config).filter(([key]) => !(key in TFJS_ONLY) && !INITIALIZERS.includes(key)),
    );
    return 1;
  }
  return Object.values(node).reduce((n: number, value) => n + upgradeBatchNormalization(value), 0);
}
