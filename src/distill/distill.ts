import { tf, type LayersModel } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { backendThreads } from '../engine/backend_threads.js';
import type { RowTransform, TensorDataset } from '../data/dataset.js';
import { parseTrainingConfig, type TrainingConfig, type TrainingInput } from './training-config.js';
import type { Distiller, MethodContext, TaskKind } from './method.js';
import {
  createDistiller,
  parseMethodConfig,
  type MethodConfig,
  type MethodInput,
} from './methods/registry.js';
import { trainLoop, type TrainingEvents } from './train.js';
import { checkDistillInputs } from './check_inputs.js';
import type { Metric } from './evaluate.js';
import type { EpochRecord } from './history.js';
import type { RunStorage } from '../storage/storage.js';
import { randomTeacher } from './random_teacher.js';
import type { SharedFits } from './shared_fits.js';

export interface DistillOptions {
  /** The pre-trained model (not needed by `student`); a method's `teacher.init: 'random'` uses an untrained copy. */
  teacher?: LayersModel;
  /** The small downstream model; trained in place and returned. */
  student: LayersModel;
  /** `takd`'s mid-size model. */
  assistant?: LayersModel;
  /** A method config such as `{ name: 'talking' }`; defaults are filled in and checked. */
  method: MethodInput;
  task: TaskKind;
  data: { train: TensorDataset; validation?: TensorDataset };
  training?: TrainingInput;
  /**
   * Checkpoints and metrics.jsonl of every fit go here, one sub-folder per fit; enables `resume`.
   * In Node, `fileStorage('runs/mine')`.
   */
  storage?: RunStorage;
  resume?: boolean;
  /** Random per-batch transform of training inputs (augmentation), given the stream to draw from. */
  augment?: (random: Random) => RowTransform;
  /** Deterministic transform of every batch (normalisation). */
  preprocess?: RowTransform;
  events?: TrainingEvents;
  /** The trained model's name in logs and its checkpoint folder (e.g. 'teacher' for a pre-training); default 'student'. */
  label?: string;
  /**
   * Where fits that no method setting changes (kd's teacher head) are kept and shared between
   * methods; without it every distillation makes its own. One cache per augment and preprocess.
   */
  sharedFits?: SharedFits;
}

export interface DistillResult {
  /** The trained student: an ordinary tfjs model that predicts alone. */
  student: LayersModel;
  /** The tfjs backend it trained on. */
  backend: string;
  /** The threads that backend computed on (wasm: as its thread pool reports); absent for tensorflow. */
  threads?: number;
  method: MethodConfig;
  training: TrainingConfig;
  /** 1-based epoch whose weights the student ends with. */
  bestEpoch: number;
  epochs: number;
  /** Every epoch of every fit (preliminary ones first). */
  history: EpochRecord[];
  validation?: Metric;
  /** Seconds of training, those of earlier invocations a resume continued included. */
  seconds: number;
}

/** A dataset's values, column by column, as the key of a shared fit sees them. */
const columns = (data: TensorDataset) => [...data.inputs, data.target].map((c) => c.values);

const folderName = (label: string) => label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

/**
 * Distills `teacher` into `student` with one method, through the one training loop:
 *
 * ```ts
 * const { student } = await distill({ teacher, student: small, method: { name: 'talking' },
 *   task: 'regression', data: { train, validation } });
 * ```
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  const started = performance.now();
  checkDistillInputs(options);
  const method = parseMethodConfig(options.method);
  const training = parseTrainingConfig(options.training);
  // A method that learns from a teacher has `teacher` settings (method.md, Controls).
  if ('teacher' in method && !options.teacher)
    throw new Error(`Method "${method.name}" needs a teacher model`);
  // The random-teacher control: the same architecture, untrained, drawn from the run's seed.
  const random = 'teacher' in method && method.teacher.init === 'random';
  const teacher =
    random && options.teacher
      ? await randomTeacher(options.teacher, new Random(training.seed).derive('random-teacher'))
      : options.teacher;
  const history: EpochRecord[] = [];
  // Seconds the fits spent before an interruption that this call resumed from.
  let earlierSeconds = 0;
  const common = {
    task: options.task,
    train: options.data.train,
    validation: options.data.validation,
    config: training,
    resume: options.resume,
    augment: options.augment,
    preprocess: options.preprocess,
    events: options.events,
  };
  const ctx: MethodContext = {
    teacher,
    student: options.student,
    assistant: options.assistant,
    task: options.task,
    train: options.data.train,
    random: new Random(training.seed).derive(`method/${method.name}`),
    seedRandom: new Random(training.seed),
    async fit(phases, model, label) {
      const result = await trainLoop({
        ...common,
        distiller: { phases, parts: { [model.name]: model }, dispose: () => {} },
        model,
        label,
        storage: options.storage?.child(folderName(label)),
      });
      history.push(...result.history);
      earlierSeconds += result.earlierSeconds;
    },
    async fitShared(phases, model, label, key, variables) {
      if (!options.sharedFits) return ctx.fit(phases, model, label);
      let trained = false;
      const { train, validation } = options.data;
      const kept = await options.sharedFits.get(
        {
          label,
          settings: { fit: key.settings, task: options.task, training },
          arrays: [...key.arrays, ...[train, ...(validation ? [validation] : [])].flatMap(columns)],
        },
        async () => {
          const from = history.length;
          await ctx.fit(phases, model, label);
          trained = true;
          return {
            weights: variables.map((v) => Float32Array.from(v.dataSync())),
            history: history.slice(from),
          };
        },
      );
      if (trained) return;
      variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(kept.weights[i], v.shape, 'float32'))));
      history.push(...kept.history);
    },
  };
  let distiller: Distiller | undefined;
  try {
    distiller = await createDistiller(method, ctx);
    const result = await trainLoop({
      ...common,
      distiller,
      model: options.student,
      label: options.label ?? 'student',
      storage: options.storage?.child(folderName(options.label ?? 'student')),
    });
    history.push(...result.history);
    earlierSeconds += result.earlierSeconds;
    return {
      student: options.student,
      backend: tf.getBackend(),
      threads: backendThreads(),
      method,
      training,
      bestEpoch: result.bestEpoch,
      epochs: result.epochs,
      history,
      validation: result.validation,
      seconds: earlierSeconds + (performance.now() - started) / 1000,
    };
  } finally {
    distiller?.dispose();
    if (random) teacher?.dispose();
  }
}
