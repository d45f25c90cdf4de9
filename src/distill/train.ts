import { writeFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type LayersModel, type Scalar, type Tensor } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { batches, type RowTransform, type TensorDataset } from '../data/dataset.js';
import type { Distiller, Phase, TaskKind, VariableGroup } from './method.js';
import { scheduleFactor, type TrainingConfig } from './training-config.js';
import { better, evaluate, type Metric } from './evaluate.js';
import { loadCheckpoint, restoreWeights, saveCheckpoint, type LoopState } from './checkpoint.js';
import type { EpochRecord } from './history.js';

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
  outDir?: string;
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
}

/** Thrown when a loss term is NaN or infinite: the run cannot continue meaningfully. */
export class NonFiniteLossError extends Error {}

function makeOptimizer(config: TrainingConfig): tf.Optimizer {
  const { name, learningRate, momentum } = config.optimizer;
  return name === 'adam' ? tf.train.adam(learningRate) : tf.train.momentum(learningRate, momentum);
}

function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  // SGD and momentum keep the rate in a tensor that setLearningRate replaces; Adam reads the field.
  const sgd = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(rate);
  else sgd.learningRate = rate;
}

/** Coupled weight decay on kernels and embeddings (rank >= 2), not on biases or norms. */
function weightDecayTerm(groups: VariableGroup[], decay: number): Scalar | undefined {
  const weights = groups.flatMap((g) => g.variables).filter((v) => v.rank >= 2);
  if (decay === 0 || weights.length === 0) return undefined;
  return tf.addN(weights.map((w) => w.square().sum())).mul(decay / 2) as Scalar;
}

function composeTransforms(...transforms: (RowTransform | undefined)[]): RowTransform | undefined {
  const present = transforms.filter((t): t is RowTransform => t !== undefined);
  if (present.length === 0) return undefined;
  return (values, rows, shape) => present.forEach((t) => t(values, rows, shape));
}

/**
 * The one training loop every method runs through. For each phase of the distiller: epochs of
 * shuffled batches, one optimizer per variable group, the sum of the named loss terms minimised,
 * a check that no term is NaN or infinite, per-epoch validation with early stopping (the best
 * epoch's weights restored), metrics.jsonl, and a checkpoint after every epoch from which
 * `resume` continues with the same numbers as an uninterrupted run.
 */
export async function trainLoop(options: TrainOptions): Promise<TrainResult> {
  const { distiller, model, task, config, label, events } = options;
  const checkpointDir = options.outDir && join(options.outDir, 'checkpoint');
  const seedBase = new Random(config.seed);
  let shuffle = seedBase.derive(`shuffle/${label}`);
  let augmentRandom = seedBase.derive(`augment/${label}`);
  const optimizers = distiller.phases.map((phase) => phase.groups.map(() => makeOptimizer(config)));
  let state: LoopState = {
    version: 1,
    phase: 0,
    epoch: 0,
    done: false,
    history: [],
    best: null,
    epochsSinceBest: 0,
    random: { shuffle: shuffle.state(), augment: augmentRandom.state() },
    optimizerWeightNames: [],
  };
  let bestWeights: Tensor[] | undefined;

  if (options.resume && checkpointDir) {
    const saved = await loadCheckpoint(checkpointDir);
    if (saved) {
      state = saved.state;
      for (const [name, part] of Object.entries(distiller.parts)) {
        if (!saved.parts[name])
          throw new Error(`${checkpointDir}: the checkpoint has no weights for "${name}"`);
        restoreWeights(part, saved.parts[name], checkpointDir);
      }
      const current = optimizers[Math.min(state.phase, optimizers.length - 1)];
      for (const [g, weights] of saved.optimizers.entries())
        if (weights.length) await current[g].setWeights(weights);
      shuffle = new Random(`${config.seed}/shuffle/${label}`, state.random.shuffle);
      augmentRandom = new Random(`${config.seed}/augment/${label}`, state.random.augment);
      bestWeights = saved.best;
      events?.onMessage?.(
        state.done
          ? `${label}: finished before, restored from ${checkpointDir}`
          : `${label}: resuming at phase ${distiller.phases[state.phase].name}, epoch ${state.epoch + 1}`,
      );
    }
  }
  const augment = options.augment?.(augmentRandom);
  const trainTransform = composeTransforms(augment, options.preprocess);
  const validate = (): Metric | undefined =>
    options.validation
      ? evaluate(model, options.validation, task, {
          batchSize: Math.max(config.batchSize, 1024),
          clip: config.clip,
          transform: options.preprocess,
        })
      : undefined;

  const save = async (phaseIndex: number) => {
    if (!checkpointDir || !options.outDir) return;
    const phaseOptimizers = optimizers[Math.min(phaseIndex, optimizers.length - 1)];
    const weights = await Promise.all(phaseOptimizers.map((o) => o.getWeights()));
    state.random = { shuffle: shuffle.state(), augment: augmentRandom.state() };
    state.optimizerWeightNames = weights.map((ws) => ws.map((w) => w.name));
    await saveCheckpoint(checkpointDir, {
      state,
      parts: Object.fromEntries(
        Object.entries(distiller.parts).map(([name, part]) => [name, part.getWeights()]),
      ),
      optimizers: weights,
      best: bestWeights,
    });
    await writeFile(
      join(options.outDir, 'metrics.jsonl'),
      state.history.map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
  };
  if (options.outDir) mkdirSync(options.outDir, { recursive: true });

  while (!state.done && state.phase < distiller.phases.length) {
    const phase = distiller.phases[state.phase];
    const earlyStopping =
      phase.epochs === undefined && config.patience > 0 && options.validation !== undefined;
    const epochs = phase.epochs ?? config.epochs;
    const batchesPerEpoch = Math.ceil(options.train.size / config.batchSize);
    events?.onPhaseStart?.({ label, phase: phase.name, epochs, batchesPerEpoch, startEpoch: state.epoch });
    while (state.epoch < epochs) {
      const record = runEpoch(phase, optimizers[state.phase], state.epoch);
      record.validation = validate();
      state.history.push(record);
      state.epoch++;
      if (earlyStopping && record.validation) {
        if (!state.best || better(record.validation.metric, record.validation.value, state.best.value)) {
          state.best = { value: record.validation.value, epoch: record.epoch };
          state.epochsSinceBest = 0;
          tf.dispose(bestWeights ?? []);
          bestWeights = model.getWeights().map((w) => w.clone());
        } else {
          state.epochsSinceBest++;
        }
      }
      events?.onEpochEnd?.(record);
      const stop = earlyStopping && state.epochsSinceBest >= config.patience;
      if (stop) events?.onMessage?.(`${label}: no better validation for ${config.patience} epochs, stopping`);
      const phaseOver = stop || state.epoch >= epochs;
      if (phaseOver) finishPhase(earlyStopping);
      await save(state.phase);
      if (phaseOver) break;
    }
  }

  function finishPhase(earlyStopping: boolean) {
    if (earlyStopping && bestWeights && state.best) {
      model.setWeights(bestWeights);
      events?.onMessage?.(
        `${label}: restored the weights of epoch ${state.best.epoch} (best validation ${state.best.value.toFixed(4)})`,
      );
    }
    state.phase++;
    state.epoch = 0;
    state.done = state.phase >= distiller.phases.length;
  }

  function runEpoch(phase: Phase, phaseOptimizers: tf.Optimizer[], epoch: number): EpochRecord {
    const started = performance.now();
    const rate = config.optimizer.learningRate * scheduleFactor(config, epoch);
    phase.groups.forEach((group, g) => setLearningRate(phaseOptimizers[g], rate * group.lrMultiplier));
    const sums: Record<string, number> = {};
    let count = 0;
    const order = shuffle.permutation(options.train.size);
    const groupOf = new Map(
      phase.groups.flatMap((group, g) => group.variables.map((v) => [v.name, g] as const)),
    );
    const allVariables = phase.groups.flatMap((g) => g.variables);
    let batchIndex = 0;
    for (const batch of batches(options.train, config.batchSize, { order, transform: trainTransform })) {
      let names: string[] = [];
      const values = tf.tidy(() => {
        let termValues: Tensor | undefined;
        const { grads } = tf.variableGrads(() => {
          const terms = phase.losses(batch, { epoch });
          const decay = weightDecayTerm(phase.groups, config.optimizer.weightDecay);
          if (decay) terms.weight_decay = decay;
          names = Object.keys(terms);
          if (names.length === 0) throw new Error(`${label}: phase ${phase.name} has no loss terms`);
          termValues = tf.keep(tf.stack(names.map((n) => terms[n])));
          return tf.addN(Object.values(terms)) as Scalar;
        }, allVariables);
        phase.groups.forEach((_, g) => {
          const mine = Object.fromEntries(Object.entries(grads).filter(([name]) => groupOf.get(name) === g));
          phaseOptimizers[g].applyGradients(mine);
        });
        return termValues!;
      });
      const read = values.dataSync();
      values.dispose();
      tf.dispose([...batch.inputs, batch.target]);
      names.forEach((name, i) => {
        if (!Number.isFinite(read[i])) {
          throw new NonFiniteLossError(
            `${label}: loss term "${name}" is ${read[i]} in phase ${phase.name}, epoch ${epoch + 1}, batch ${batchIndex + 1}` +
              ' (lower the learning rate or check the inputs)',
          );
        }
        sums[name] = (sums[name] ?? 0) + read[i] * batch.size;
      });
      count += batch.size;
      events?.onBatch?.({
        label,
        phase: phase.name,
        epoch: epoch + 1,
        batch: ++batchIndex,
        batches: Math.ceil(options.train.size / config.batchSize),
      });
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

  optimizers.flat().forEach((o) => o.dispose());
  tf.dispose(bestWeights ?? []);
  const main = state.history.filter((r) => r.phase === distiller.phases[distiller.phases.length - 1].name);
  return {
    history: state.history,
    bestEpoch: state.best?.epoch ?? main.length,
    epochs: main.length,
    validation: validate(),
  };
}
