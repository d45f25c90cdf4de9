import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import type { RandomState } from '../engine/random.js';
import { loadTensors, replaceFolder, saveTensors } from '../models/io.js';
import type { EpochRecord } from './history.js';

/** Where a training run stands, saved after every epoch so that an interrupted run can resume. */
export interface LoopState {
  version: 1;
  /** Index of the phase to run, and the next epoch within it. */
  phase: number;
  epoch: number;
  done: boolean;
  history: EpochRecord[];
  best: { value: number; epoch: number } | null;
  epochsSinceBest: number;
  random: { shuffle: RandomState; augment: RandomState };
  /** Names of each optimizer's weights, in order (tfjs restores them by position). */
  optimizerWeightNames: string[][];
}

export interface Checkpoint {
  state: LoopState;
  /** Weights of every trained model, by part name. */
  parts: Record<string, Tensor[]>;
  optimizers: { name: string; tensor: Tensor }[][];
  /** The best epoch's weights of the validated model, when early stopping keeps one. */
  best?: Tensor[];
}

const STATE = 'state.json';

function flatten(groups: Record<string, Tensor[]>): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(groups).flatMap(([name, ts]) => ts.map((t, i) => [`${name}/${i}`, t])),
  );
}

function unflatten(tensors: Record<string, Tensor>): Record<string, Tensor[]> {
  const out: Record<string, Tensor[]> = {};
  for (const [key, t] of Object.entries(tensors)) {
    const cut = key.lastIndexOf('/');
    (out[key.slice(0, cut)] ??= [])[Number(key.slice(cut + 1))] = t;
  }
  return out;
}

/** Writes a checkpoint as one folder that replaces the previous one whole. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  await replaceFolder(dir, async (tmp) => {
    await saveTensors(join(tmp, 'parts.tensors'), flatten(checkpoint.parts));
    await saveTensors(
      join(tmp, 'optimizers.tensors'),
      flatten(
        Object.fromEntries(checkpoint.optimizers.map((weights, g) => [`${g}`, weights.map((w) => w.tensor)])),
      ),
    );
    if (checkpoint.best) await saveTensors(join(tmp, 'best.tensors'), flatten({ best: checkpoint.best }));
    await writeFile(join(tmp, STATE), JSON.stringify(checkpoint.state));
  });
}

/** Reads a checkpoint, or undefined when there is none. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  const stateFile = join(dir, STATE);
  if (!existsSync(stateFile)) return undefined;
  let state: LoopState;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8'));
  } catch (error) {
    throw new Error(`${stateFile}: not a valid checkpoint state (${(error as Error).message})`);
  }
  if (state.version !== 1)
    throw new Error(`${stateFile}: unknown checkpoint version ${String(state.version)}`);
  const parts = unflatten(await loadTensors(join(dir, 'parts.tensors')));
  const optimizerTensors = unflatten(await loadTensors(join(dir, 'optimizers.tensors')));
  const optimizers = state.optimizerWeightNames.map((names, g) =>
    names.map((name, i) => ({ name, tensor: optimizerTensors[`${g}`][i] })),
  );
  const bestFile = join(dir, 'best.tensors');
  const best = existsSync(bestFile) ? unflatten(await loadTensors(bestFile)).best : undefined;
  return { state, parts, optimizers, best };
}

/** Sets a model's weights from saved tensors, checking that they fit. */
export function restoreWeights(model: LayersModel, weights: Tensor[], where: string): void {
  const current = model.getWeights();
  if (
    weights.length !== current.length ||
    weights.some((w, i) => !tf.util.arraysEqual(w.shape, current[i].shape))
  ) {
    throw new Error(
      `${where}: the saved weights of "${model.name}" do not fit the model (was the configuration changed?)`,
    );
  }
  model.setWeights(weights);
}
