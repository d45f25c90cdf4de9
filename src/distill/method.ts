import type { LayersModel, Scalar, Variable } from '../engine/tf.js';
import type { Random } from '../engine/random.js';
import type { Batch, TensorDataset } from '../data/dataset.js';

/** What the downstream task predicts: ratings (MSE) or classes (cross-entropy on logits). */
export type TaskKind = 'regression' | 'classification';

/** Variables that train together with one learning-rate multiplier (e.g. a fine-tuned teacher). */
export interface VariableGroup {
  variables: Variable[];
  lrMultiplier: number;
}

/**
 * A stage of training. The loop minimises the sum of the named loss terms of `losses` over the
 * variables of `groups`; the names are logged per epoch and named in NaN errors.
 */
export interface Phase {
  name: string;
  /** Fixed epoch count (e.g. a handshake); undefined: the run's epoch budget with early stopping. */
  epochs?: number;
  groups: VariableGroup[];
  losses(batch: Batch, step: StepContext): Record<string, Scalar>;
}

/** Where in training a batch is, for losses that change over time (e.g. a warm-up). */
export interface StepContext {
  /** 0-based epoch within the phase. */
  epoch: number;
}

/** A method set up for one teacher/student pair: its phases and every model it trains. */
export interface Distiller {
  phases: Phase[];
  /** Every model whose weights change in training (the student first), for checkpoints. */
  parts: Record<string, LayersModel>;
  dispose(): void;
}

/** What a method gets to set itself up. */
export interface MethodContext {
  teacher?: LayersModel;
  student: LayersModel;
  /** The mid-size model of `takd`. */
  assistant?: LayersModel;
  task: TaskKind;
  /** The downstream training data, for methods that need a preliminary fit (kd head, takd). */
  train: TensorDataset;
  /** The method's own random stream. */
  random: Random;
  /** The stream of the run's seed alone, the same for every method: for fits methods share. */
  seedRandom: Random;
  /**
   * Runs phases with the run's training settings (batches, optimizer, early stopping on the
   * validation metric of `model`), e.g. to fine-tune the teacher's head for `kd` or to distill
   * the assistant of `takd` before the main training.
   */
  fit(phases: Phase[], model: LayersModel, label: string): Promise<void>;
  /**
   * `fit` for a fit that depends on no method setting, only on `key` (with the run's data and
   * training settings, added here): done once per key and shared through the run's cache of
   * shared fits, if any. On a hit, `variables` take the kept values and no training runs.
   */
  fitShared(
    phases: Phase[],
    model: LayersModel,
    label: string,
    key: { settings: unknown; arrays: ArrayBufferView[] },
    variables: Variable[],
  ): Promise<void>;
}
