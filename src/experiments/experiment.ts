import type { LayersModel } from '../engine/tf.js';
import type { RowTransform, TensorDataset } from '../data/dataset.js';
import type { Random } from '../engine/random.js';
import type { TaskKind } from '../distill/method.js';
import type { TrainingInput } from '../distill/training-config.js';
import type { MethodInput } from '../distill/methods/registry.js';
import type { TrainingEvents } from '../distill/train.js';
import type { SharedFits } from '../distill/shared_fits.js';
import type { CellKey } from './cells.js';
import type { CellRecord, ResultFile } from './results.js';
import type { CellSetup, TuningConfig } from './tuning.js';

/**
 * A pre-trained teacher as an experiment defines it. The runner trains it (or loads it from the
 * cache under a key over `setup` and `fingerprint`), keeps it, and lends each cell a copy.
 */
export interface TeacherSpec {
  /** Tasks whose specs share an id share one teacher (E1: one for all genres). */
  id: string;
  /** Everything that shapes the teacher besides its data, for the cache key. */
  setup: unknown;
  /** A hash of the data it learns from, for the cache key. */
  fingerprint(): Promise<string>;
  /** What it is trained on, for the log. */
  describe: string;
  build(): LayersModel;
  task: TaskKind;
  data: { train: TensorDataset; validation: TensorDataset };
  training: TrainingInput;
  augment?: (random: Random) => RowTransform;
  preprocess?: RowTransform;
}

/** Where a cell keeps its checkpoints, and what it reports while it trains. */
export interface CellRun {
  outDir: string;
  events: TrainingEvents;
  /** The run's fits shared between methods (kd's teacher head), for distill(). */
  sharedFits: SharedFits;
}

/**
 * One experiment of experiments.md as the runner sees it: a validated config and its data,
 * opened (and checked) before anything trains. The runner owns the rest: the teachers' lifetime
 * and cache, the cells, worker processes, resume and the outputs.
 */
export interface Experiment {
  suite: string;
  /** The report's title. */
  title: string;
  /** The dataset's name in results.json. */
  dataset: string;
  /** The whole config: written into results.json; a resumed run must have the same. */
  config: unknown;
  tasks: string[];
  /** Methods or named variants of the config. */
  methods: string[];
  /** The config of a method of `methods`, before tuning. */
  methodInput(method: string): MethodInput;
  /** The validation tuning of protocol revision 2: the runner trains the candidates first. */
  tuning: TuningConfig;
  /** The task every cell's student learns. */
  task: TaskKind;
  seeds: number;
  teacherFor(task: string): TeacherSpec;
  /** The teachers' reported metric; `teacherOf` gives the pristine teacher of a task. */
  teacherMetric(teacherOf: (task: string) => LayersModel): ResultFile['teacher'];
  /**
   * Trains and tests one cell's student with `setup` (its method's config after tuning, and a
   * patch of the training settings); `teacher` is the cell's own copy, which it may change.
   */
  runCell(cell: CellKey, setup: CellSetup, teacher: LayersModel, run: CellRun): Promise<CellRecord>;
}
