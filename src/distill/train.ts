import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import type { RowTransform, TensorDataset } from '../data/dataset.js';
import type { RunStorage } from '../storage/storage.js';
import type { Distiller, TaskKind } from './method.js';
import type { TrainingConfig } from './training-config.js';
import { better, evaluate, type Metric } from './evaluate.js';
import { loadCheckpoint, restoreWeights, saveCheckpoint, type LoopState } from './checkpoint.js';
import { makeOptimizer, optimizerState, restoreOptimizer } from './optimizers.js';
import { runEpoch } from './epoch.js';
import type { EpochRecord } from './history.js';

export { NonFiniteLossError } from './epoch.js';

/** What a training run reports as it goes; every callback is optional, so the library stays quiet. */
export interface TrainingEvents {
  onPhaseStart?(info: {
    label: string;
    phase: string;
    epochs: number;
    batchesPerEpoch: number;
    startEpoch: number;
  }): void;
  onBatch?(info: { label: string; phase: string; epoch: number; batch: number; batches: number }): void;
  onEpochEnd?(record: EpochRecord): void;
  /** One-line notes: resuming, early stopping, the best epoch restored. */
  onMessage?(line: string): void;
}

export interface TrainOptions {
  distiller: Distiller;
  /** The model whose validation metric drives early stopping (the student). */
  model: LayersModel;
  task: TaskKind;
  train: TensorDataset;
  validation?: TensorDataset;
  config: TrainingConfig;
  /** Names this fit in logs and metrics (e.g. "student", "teacher head"). */
  label: string;
  /** Checkpoints and metrics.jsonl go here; without it nothing is written. */
  storage?: RunStorage;
  resume?: boolean;
  /** Per-batch transform of training inputs (e.g. augmentation), made from a stream the loop checkpoints. */
  augment?: (random: Random) => RowTransform;
  /** Non-random transform of every batch, training and validation (e.g. normalisation). */
  preprocess?: RowTransform;
  events?: TrainingEvents;
}

export interface TrainResult {
  history: EpochRecord[];
  /** 1-based epoch of the main phase whose weights the model ends with. */
  bestEpoch: number;
  epochs: number;
  validation?: Metric;
  /** Seconds this loop ran in earlier invocations, as its checkpoint has them (0 when it started fresh). */
  earlierSeconds: number;
}

/** Everything that changes while a run trains, and all of it goes into a checkpoint. */
interface TrainingRun {
  state: LoopState;
  /** One optimizer per variable group of each phase. */
  optimizers: tf.Optimizer[][];
  shuffle: Random;
  augmentRandom: Random;
  /** The best epoch's weights of the validated model, while early stopping keeps them. */
  best?: Tensor[];
  /** When this invocation started (performance.now()), and the seconds of the ones before it. */
  started: number;
  earlierSeconds: number;
}

/**
 * The one training loop every method runs through. For each phase of the distiller: epochs of
 * shuffled batches, one optimizer per variable group, the sum of the named loss terms minimised,
 * a check that no term is NaN or infinite, per-epoch validation with early stopping (the best
 * epoch's weights restored), metrics.jsonl, and a checkpoint after every epoch from which
 * `resume` continues with the same numbers as an uninterrupted run.
 */
export async function trainLoop(options: TrainOptions): Promise<TrainResult> {
  const run = startRun(options);
  try {
    if (options.resume && options.storage) await resumeRun(run, options, options.storage);
    const transform = trainTransform(run, options);
    while (!run.state.done) await trainPhase(run, options, transform);
    return summary(run, options);
  } finally {
    run.optimizers.flat().forEach((o) => o.dispose());
    tf.dispose(run.best ?? []);
  }
}

function startRun({ distiller, config, label }: TrainOptions): TrainingRun {
  const seedBase = new Random(config.seed);
  const shuffle = seedBase.derive(`shuffle/${label}`);
  const augmentRandom = seedBase.derive(`augment/${label}`);
  return {
    state: {
      version: 2,
      phase: 0,
      epoch: 0,
      done: distiller.phases.length === 0,
      history: [],
      best: null,
      epochsSinceBest: 0,
      random: { shuffle: shuffle.state(), augment: augmentRandom.state() },
    },
    optimizers: distiller.phases.map((phase) => phase.groups.map(() => makeOptimizer(config))),
    shuffle,
    augmentRandom,
    started: performance.now(),
    earlierSeconds: 0,
  };
}

/** The optimizers of the phase the state is in (the last phase's once the run is done). */
const currentOptimizers = (run: TrainingRun) =>
  run.optimizers[Math.min(run.state.phase, run.optimizers.length - 1)];

/** Continues from the saved checkpoint, if there is one: weights, optimizers, random streams, best epoch. */
async function resumeRun(run: TrainingRun, options: TrainOptions, storage: RunStorage): Promise<void> {
  const { distiller, config, label, events } = options;
  const saved = await loadCheckpoint(storage);
  if (!saved) return;
  run.state = saved.state;
  try {
    for (const [name, part] of Object.entries(distiller.parts)) {
      if (!saved.parts[name])
        throw new Error(`${storage.where()}: the checkpoint has no weights for "${name}"`);
      restoreWeights(part, saved.parts[name], storage.where());
    }
    const optimizers = currentOptimizers(run);
    for (const [g, weights] of saved.optimizers.entries()) await restoreOptimizer(optimizers[g], weights);
  } finally {
    // Models and optimizers hold their own references to the values they were set to.
    tf.dispose([...Object.values(saved.parts).flat(), ...saved.optimizers.flat().map((w) => w.tensor)]);
  }
  run.shuffle = new Random(`${config.seed}/shuffle/${label}`, saved.state.random.shuffle);
  run.augmentRandom = new Random(`${config.seed}/augment/${label}`, saved.state.random.augment);
  run.best = saved.best;
  // A checkpoint of an older version has no elapsed time: its epochs' own seconds come closest.
  run.earlierSeconds = saved.state.elapsed ?? saved.state.history.reduce((sum, r) => sum + r.seconds, 0);
  events?.onMessage?.(
    run.state.done
      ? `${label}: finished before, restored from ${storage.where()}`
      : `${label}: resuming at phase ${distiller.phases[run.state.phase].name}, epoch ${run.state.epoch + 1}`,
  );
}

/** Augmentation (drawing from the run's checkpointed stream), then the fixed preprocessing. */
function trainTransform(run: TrainingRun, options: TrainOptions): RowTransform | undefined {
  const transforms = [options.augment?.(run.augmentRandom), options.preprocess].filter(
    (t): t is RowTransform => t !== undefined,
  );
  if (transforms.length === 0) return undefined;
  return (values, rows, shape) => transforms.forEach((t) => t(values, rows, shape));
}

function validate(options: TrainOptions): Metric | undefined {
  const { model, validation, task, config, preprocess } = options;
  return validation
    ? evaluate(model, validation, task, {
        batchSize: Math.max(config.batchSize, 1024),
        clip: config.clip,
        transform: preprocess,
      })
    : undefined;
}

/** The epochs of the current phase, each followed by validation and a checkpoint. */
async function trainPhase(run: TrainingRun, options: TrainOptions, transform?: RowTransform): Promise<void> {
  const { distiller, config, label, events } = options;
  const phase = distiller.phases[run.state.phase];
  const earlyStopping = phase.epochs === undefined && config.patience > 0 && options.validation !== undefined;
  const epochs = phase.epochs ?? config.epochs;
  const batchesPerEpoch = Math.ceil(options.train.size / config.batchSize);
  events?.onPhaseStart?.({ label, phase: phase.name, epochs, batchesPerEpoch, startEpoch: run.state.epoch });
  while (run.state.epoch < epochs) {
    const record = runEpoch({
      label,
      phase,
      optimizers: run.optimizers[run.state.phase],
      epoch: run.state.epoch,
      train: options.train,
      config,
      shuffle: run.shuffle,
      transform,
      onBatch: (batch, batches) =>
        events?.onBatch?.({ label, phase: phase.name, epoch: run.state.epoch + 1, batch, batches }),
    });
    record.validation = validate(options);
    const stop = recordEpoch(run, options, record, earlyStopping);
    const phaseOver = stop || run.state.epoch >= epochs;
    if (phaseOver) endPhase(run, options, earlyStopping);
    await saveRun(run, options);
    if (phaseOver) return;
  }
}

/** Adds an epoch to the history and updates early stopping; true when patience has run out. */
function recordEpoch(
  run: TrainingRun,
  options: TrainOptions,
  record: EpochRecord,
  earlyStopping: boolean,
): boolean {
  const { state } = run;
  state.history.push(record);
  state.epoch++;
  if (earlyStopping && record.validation) {
    const { metric, value } = record.validation;
    if (!state.best || better(metric, value, state.best.value)) {
      state.best = { value, epoch: record.epoch };
      state.epochsSinceBest = 0;
      tf.dispose(run.best ?? []);
      run.best = options.model.getWeights().map((w) => w.clone());
    } else {
      state.epochsSinceBest++;
    }
  }
  options.events?.onEpochEnd?.(record);
  const stop = earlyStopping && state.epochsSinceBest >= options.config.patience;
  if (stop)
    options.events?.onMessage?.(
      `${options.label}: no better validation for ${options.config.patience} epochs, stopping`,
    );
  return stop;
}

/** Restores the best epoch's weights (with early stopping) and moves to the next phase. */
function endPhase(run: TrainingRun, options: TrainOptions, earlyStopping: boolean): void {
  const { state } = run;
  if (earlyStopping && run.best && state.best) {
    options.model.setWeights(run.best);
    options.events?.onMessage?.(
      `${options.label}: restored the weights of epoch ${state.best.epoch} (best validation ${state.best.value.toFixed(4)})`,
    );
  }
  state.phase++;
  state.epoch = 0;
  state.done = state.phase >= options.distiller.phases.length;
}

/** Writes the checkpoint and metrics.jsonl. */
async function saveRun(run: TrainingRun, options: TrainOptions): Promise<void> {
  const { storage, distiller } = options;
  if (!storage) return;
  run.state.random = { shuffle: run.shuffle.state(), augment: run.augmentRandom.state() };
  run.state.elapsed = run.earlierSeconds + (performance.now() - run.started) / 1000;
  const optimizers = await Promise.all(currentOptimizers(run).map((o) => optimizerState(o)));
  try {
    await saveCheckpoint(storage, {
      state: run.state,
      parts: Object.fromEntries(
        Object.entries(distiller.parts).map(([name, part]) => [name, part.getWeights()]),
      ),
      optimizers: optimizers.map((o) => o.weights),
      best: run.best,
    });
  } finally {
    tf.dispose(optimizers.flatMap((o) => o.owned));
  }
  await storage.write('metrics.jsonl', run.state.history.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function summary(run: TrainingRun, options: TrainOptions): TrainResult {
  const { history, best } = run.state;
  const phases = options.distiller.phases;
  const main = history.filter((r) => r.phase === phases[phases.length - 1]?.name);
  return {
    history,
    bestEpoch: best?.epoch ?? main.length,
    epochs: main.length,
    validation: validate(options),
    earlierSeconds: run.earlierSeconds,
  };
}
