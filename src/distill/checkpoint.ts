import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import type { RandomState } from '../engine/random.js';
import { readText, switchFiles, type RunStorage } from '../storage/storage.js';
import type { EpochRecord } from './history.js';

/** Where a training run stands, saved after every epoch so that an interrupted run can resume. */
export interface LoopState {
  version: 2;
  /** Index of the phase to run, and the next epoch within it. */
  phase: number;
  epoch: number;
  done: boolean;
  history: EpochRecord[];
  best: { value: number; epoch: number } | null;
  epochsSinceBest: number;
  random: { shuffle: RandomState; augment: RandomState };
  /**
   * Seconds the loop has run up to this checkpoint, over every invocation, so that a resumed run
   * reports its whole cost (absent in checkpoints of older versions).
   */
  elapsed?: number;
}

/** A tensor with the name an optimizer gives it (tfjs restores optimizer weights by position). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

export interface Checkpoint {
  state: LoopState;
  /** Weights of every trained model, by part name. */
  parts: Record<string, Tensor[]>;
  /** Each optimizer's complete state (see optimizers.ts), in the order of the phase's groups. */
  optimizers: NamedTensor[][];
  /** The best epoch's weights of the validated model, when early stopping keeps one. */
  best?: Tensor[];
}

/** checkpoint.json: the state, and which weights file holds the tensors, in tfjs's weight encoding. */
interface Index {
  version: 2;
  state: LoopState;
  weights: string;
  specs: tf.io.WeightsManifestEntry[];
  optimizerNames: string[][];
}

const INDEX = 'checkpoint.json';
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

const partKey = (name: string, i: number) => `part/${name}/${i}`;
const optimizerKey = (g: number, i: number) => `optimizer/${g}/${i}`;
const bestKey = (i: number) => `best/${i}`;

/**
 * Writes a checkpoint so that a kill at any moment leaves a complete one (`switchFiles`): the
 * tensors go to a file named after the epoch count, which checkpoint.json then names. A tensor
 * file left by a kill before the switch is overwritten when that epoch is saved again.
 */
export async function saveCheckpoint(storage: RunStorage, checkpoint: Checkpoint): Promise<void> {
  const named: Record<string, Tensor> = {};
  for (const [name, weights] of Object.entries(checkpoint.parts))
    weights.forEach((w, i) => (named[partKey(name, i)] = w));
  checkpoint.optimizers.forEach((weights, g) =>
    weights.forEach((w, i) => (named[optimizerKey(g, i)] = w.tensor)),
  );
  checkpoint.best?.forEach((w, i) => (named[bestKey(i)] = w));
  const { data, specs } = await tf.io.encodeWeights(named);
  const weights = `weights-${checkpoint.state.history.length}.bin`;
  const index: Index = {
    version: 2,
    state: checkpoint.state,
    weights,
    specs,
    optimizerNames: checkpoint.optimizers.map((ws) => ws.map((w) => w.name)),
  };
  await switchFiles(
    storage,
    { name: weights, data: new Uint8Array(data as ArrayBuffer) },
    { name: INDEX, text: JSON.stringify(index) },
    (await readIndex(storage))?.weights,
  );
}

async function readIndex(storage: RunStorage): Promise<Index | undefined> {
  const text = await readText(storage, INDEX);
  if (text === undefined) {
    if (await storage.read('state.json')) {
      throw new Error(
        `${storage.where()}: a checkpoint of an older version of talking-models; start the run anew without resume`,
      );
    }
    return undefined;
  }
  let index: Index;
  try {
    index = JSON.parse(text) as Index;
  } catch (error) {
    throw new Error(`${storage.where(INDEX)}: not a valid checkpoint (${(error as Error).message})`);
  }
  if (index.version !== 2)
    throw new Error(`${storage.where(INDEX)}: unknown checkpoint version ${String(index.version)}`);
  return index;
}

/** Reads the checkpoint, or undefined when there is none. The caller owns (disposes) its tensors. */
export async function loadCheckpoint(storage: RunStorage): Promise<Checkpoint | undefined> {
  const index = await readIndex(storage);
  if (!index) return undefined;
  const bytes = await storage.read(index.weights);
  if (!bytes) throw new Error(`${storage.where(index.weights)}: missing; the checkpoint names it`);
  const expected = index.specs.reduce(
    (total, spec) => total + BYTES[spec.dtype] * tf.util.sizeFromShape(spec.shape),
    0,
  );
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${storage.where(index.weights)}: expected ${expected} bytes for the tensors that ${INDEX} lists, found ${bytes.byteLength}`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const tensors = tf.io.decodeWeights(buffer, index.specs);
  const list = (count: (i: number) => string) => {
    const out: Tensor[] = [];
    for (let i = 0; tensors[count(i)]; i++) out.push(tensors[count(i)]);
    return out;
  };
  const partNames = new Set(
    index.specs.flatMap((s) =>
      s.name.startsWith('part/') ? [s.name.slice(5, s.name.lastIndexOf('/'))] : [],
    ),
  );
  const best = list(bestKey);
  return {
    state: index.state,
    parts: Object.fromEntries([...partNames].map((name) => [name, list((i) => partKey(name, i))])),
    optimizers: index.optimizerNames.map((names, g) =>
      names.map((name, i) => ({ name, tensor: tensors[optimizerKey(g, i)] })),
    ),
    best: best.length ? best : undefined,
  };
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
