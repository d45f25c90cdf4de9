import { tf, type Scalar, type Tensor } from '../engine/tf.js';
import { batches, type Batch, type RowTransform, type TensorDataset } from '../data/dataset.js';
import type { Random } from '../engine/random.js';
import type { Phase, VariableGroup } from './method.js';
import { setLearningRate } from './optimizers.js';
import { scheduleFactor, type TrainingConfig } from './training-config.js';
import type { EpochRecord } from './history.js';

/** Thrown when a loss term is NaN or infinite: the run cannot continue meaningfully. */
export class NonFiniteLossError extends Error {}

/** What one epoch needs: the phase, its optimizers (one per group) and the data. */
export interface EpochInput {
  label: string;
  phase: Phase;
  optimizers: tf.Optimizer[];
  /** 0-based epoch within the phase. */
  epoch: number;
  train: TensorDataset;
  config: TrainingConfig;
  shuffle: Random;
  transform?: RowTransform;
  onBatch?(batch: number, batches: number): void;
}

/** Coupled weight decay on kernels and embeddings (rank >= 2), not on biases or norms. */
function weightDecayTerm(groups: VariableGroup[], decay: number): Scalar | undefined {
  const weights = groups.flatMap((g) => g.variables).filter((v) => v.rank >= 2);
  if (decay === 0 || weights.length === 0) return undefined;
  return tf.addN(weights.map((w) => w.square().sum())).mul(decay / 2) as Scalar;
}

/**
 * One gradient step: the sum of the phase's named loss terms (plus weight decay), its gradients
 * split by group, each applied by the group's optimizer. Returns the terms' values.
 */
function trainStep(
  input: EpochInput,
  batch: Batch,
  groupOf: Map<string, number>,
): { names: string[]; values: Float32Array } {
  const { phase, optimizers, config, label, epoch } = input;
  let names: string[] = [];
  const stacked = tf.tidy(() => {
    let termValues: Tensor | undefined;
    const { grads } = tf.variableGrads(
      () => {
        const terms = phase.losses(batch, { epoch });
        const decay = weightDecayTerm(phase.groups, config.optimizer.weightDecay);
        if (decay) terms.weight_decay = decay;
        names = Object.keys(terms);
        if (names.length === 0) throw new Error(`${label}: phase ${phase.name} has no loss terms`);
        termValues = tf.keep(tf.stack(names.map((n) => terms[n])));
        return tf.addN(Object.values(terms)) as Scalar;
      },
      phase.groups.flatMap((g) => g.variables),
    );
    phase.groups.forEach((_, g) => {
      optimizers[g].applyGradients(
        Object.fromEntries(Object.entries(grads).filter(([name]) => groupOf.get(name) === g)),
      );
    });
    return termValues!;
  });
  const values = stacked.dataSync() as Float32Array;
  stacked.dispose();
  return { names, values };
}

/** One epoch of shuffled batches; the record holds each term's mean over the examples. */
export function runEpoch(input: EpochInput): EpochRecord {
  const { label, phase, epoch, train, config } = input;
  const started = performance.now();
  const rate = config.optimizer.learningRate * scheduleFactor(config, epoch);
  phase.groups.forEach((group, g) => setLearningRate(input.optimizers[g], rate * group.lrMultiplier));
  const sums: Record<string, number> = {};
  let count = 0;
  const total = Math.ceil(train.size / config.batchSize);
  const order = input.shuffle.permutation(train.size);
  const groupOf = new Map(
    phase.groups.flatMap((group, g) => group.variables.map((v) => [v.name, g] as const)),
  );
  let index = 0;
  for (const batch of batches(train, config.batchSize, { order, transform: input.transform })) {
    const { names, values } = trainStep(input, batch, groupOf);
    tf.dispose([...batch.inputs, batch.target]);
    index++;
    names.forEach((name, i) => {
      if (!Number.isFinite(values[i])) {
        throw new NonFiniteLossError(
          `${label}: loss term "${name}" is ${values[i]} in phase ${phase.name}, epoch ${epoch + 1}, batch ${index}` +
            ' (lower the learning rate or check the inputs)',
        );
      }
      sums[name] = (sums[name] ?? 0) + values[i] * batch.size;
    });
    count += batch.size;
    input.onBatch?.(index, total);
  }
  return {
    label,
    phase: phase.name,
    epoch: epoch + 1,
    losses: Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / count])),
    learningRate: rate,
    seconds: (performance.now() - started) / 1000,
  };
}
