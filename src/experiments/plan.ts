import type { DistillResult } from '../distill/distill.js';
import type { Metric } from '../distill/evaluate.js';
import { cellId, type CellKey, type CellStore } from './cells.js';
import type { ExperimentProgress } from './progress.js';
import { preliminaryFits, type CellRecord } from './results.js';
import type { WorkerSlot } from './workers.js';
import { isCandidate } from './tuning.js';
import type { BackendName } from '../engine/backend.js';

/**
 * A run trains its cells in stages: the tuning candidates, those of methods whose knob follows
 * another's choice, then the rows of the plan with the chosen values. Parallel workers run one
 * stage at a time, so that every worker of a stage finds all the choices it builds on.
 */
export type Stage = 'tuning' | 'follower-tuning' | 'rows';
export const STAGES: readonly Stage[] = ['tuning', 'follower-tuning', 'rows'];

/** How an experiment is run, whatever the experiment. */
export interface ExperimentSettings {
  outDir: string;
  backend: BackendName;
  quick: boolean;
  resume: boolean;
  dataDir?: string;
  cacheDir?: string;
  /** The command line, written into the report. */
  command: string;
  progress: ExperimentProgress;
  /** Set in a worker process: train only the cells of this stage it claims, write no outputs. */
  worker?: WorkerSlot & { stage: Stage };
  /** Trains a stage's cells in parallel processes once the teachers are ready (see workers.ts). */
  parallel?: (stage: Stage) => Promise<void>;
}

/** Every (task, method, seed) cell of a run, in the order they are trained and reported. */
export function planCells(tasks: string[], methods: string[], seeds: number): CellKey[] {
  return tasks.flatMap((task) =>
    methods.flatMap((method) => Array.from({ length: seeds }, (_, seed) => ({ task, method, seed }))),
  );
}

/**
 * Trains the cells of `plan` not already in `cells`, storing each as it ends. A worker trains a
 * cell only if it claims it first: a free worker takes the next cell no other has taken, so that
 * no worker idles while cells are left (cells differ up to eightfold in cost).
 */
export async function runPlan(
  plan: CellKey[],
  cells: CellStore,
  progress: ExperimentProgress,
  runCell: (key: CellKey) => Promise<CellRecord>,
  slot?: WorkerSlot,
  /** Cells finished by this run's workers: their own lines reported them, so they are not "done before". */
  justRun = new Set<string>(),
): Promise<CellRecord[]> {
  for (const [index, key] of plan.entries()) {
    if (cells.get(key)) {
      // A worker leaves the report of finished cells to the parent's pass after the workers.
      if (!slot && !justRun.has(cellId(key)))
        progress.cellEnd(index, plan.length, `${cellId(key)}: done before, kept`);
      continue;
    }
    if (slot && !cells.claim(key)) continue;
    progress.cellStart(index, plan.length, cellId(key));
    const record = await runCell(key);
    await cells.put(key, record);
    const { row } = record;
    const metric = row.metric === 'rmse' ? 'RMSE' : 'accuracy';
    // A tuning candidate shows its validation metric, which chooses; its test metric waits for the report.
    const score = isCandidate(key.method)
      ? `validation ${metric} ${row.validation.toFixed(4)}`
      : `test ${metric} ${row.value.toFixed(4)}`;
    const how = row.tuningCell
      ? `taken from the tuning cell ${row.tuningCell}, not trained again`
      : `best epoch ${row.bestEpoch} of ${row.epochs}, ${row.seconds.toFixed(1)} s`;
    progress.cellEnd(index, plan.length, `${cellId(key)}: ${score} (${how})`);
  }
  return plan.flatMap((key) => cells.get(key) ?? []);
}

/**
 * A finished cell: its test metric (a tuning candidate's too, so that it can stand for its row at
 * the tuning seed; the choice never reads it), the validation of its restored epoch and its
 * learning curve.
 */
export function cellRecord(key: CellKey, test: Metric, result: DistillResult): CellRecord {
  return {
    row: {
      ...key,
      metric: test.metric,
      value: test.value,
      validation: result.validation?.value ?? NaN,
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      seconds: result.seconds,
      preliminary: preliminaryFits(result.history),
    },
    history: result.history.map(({ label, phase, epoch, validation }) => ({
      label,
      phase,
      epoch,
      validation,
    })),
  };
}

/** The fields of results.json that say how a run was made. */
export function runHeader(
  settings: ExperimentSettings,
  run: { suite: string; dataset: string; config: unknown; started: Date },
) {
  return {
    suite: run.suite,
    dataset: run.dataset,
    backend: settings.backend,
    quick: settings.quick,
    config: run.config,
    command: settings.command,
    started: run.started.toISOString(),
    seconds: (Date.now() - run.started.getTime()) / 1000,
  };
}

/**
 * Runs a stage's plan as `settings` ask: in a worker, only the cells it claims of its own stage,
 * returning nothing (the parent writes the outputs); otherwise through the parallel workers first,
 * if any, then every cell left, returning all the records.
 */
export async function runCells(
  settings: ExperimentSettings,
  stage: Stage,
  plan: CellKey[],
  cells: CellStore,
  runCell: (key: CellKey) => Promise<CellRecord>,
): Promise<CellRecord[] | undefined> {
  if (settings.worker) {
    if (settings.worker.stage === stage)
      await runPlan(plan, cells, settings.progress, runCell, settings.worker);
    return undefined;
  }
  if (!settings.parallel || !plan.length) return runPlan(plan, cells, settings.progress, runCell);
  const finished = () => new Set(plan.filter((key) => cells.get(key)).map(cellId));
  const before = finished();
  cells.clearClaims();
  await settings.parallel(stage);
  cells.clearClaims();
  const justRun = new Set([...finished()].filter((id) => !before.has(id)));
  return runPlan(plan, cells, settings.progress, runCell, undefined, justRun);
}
