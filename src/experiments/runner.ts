import { join } from 'node:path';
import { cacheDirectory } from '../data/download.js';
import { cellId, openCells, SHARED_FITS, type CellKey, type CellStore } from './cells.js';
import { sharedFitsIn } from './shared_fits.js';
import type { Experiment } from './experiment.js';
import { writeOutputs } from './output.js';
import { planCells, runCells, runHeader, type ExperimentSettings, type Stage } from './plan.js';
import {
  candidateSetup,
  chooseCandidates,
  rowFromTuningCell,
  rowSetup,
  rowTuningCell,
  tuningPlan,
  tuningRounds,
  tuningTasks,
  type CellSetup,
  type TuningChoice,
} from './tuning.js';
import type { CellRecord, ResultFile } from './results.js';
import { Teachers } from './teachers.js';
import { portableConfig } from '../util/paths.js';
import { checkTask, parseMethodConfig, type MethodInput } from '../distill/methods/registry.js';

/**
 * Every method of the run, and every tuning candidate, is a valid config defined for its task,
 * before anything trains.
 */
function checkMethods(experiment: Experiment, candidates: CellKey[]): void {
  const check = (method: string, input: MethodInput) => {
    try {
      checkTask(parseMethodConfig(input).name, experiment.task);
    } catch (error) {
      throw new Error(`Invalid ${experiment.suite} config: method "${method}": ${(error as Error).message}`);
    }
  };
  for (const method of experiment.methods) check(method, experiment.methodInput(method));
  for (const { method } of candidates)
    check(method, candidateSetup(experiment.tuning, method, experiment.methodInput, [])!.method);
}

/**
 * The chosen candidate of each method of `tuned`, from the finished tuning cells on `tasks`. Only
 * their validation metric and seconds reach the choice: never the test metric they also hold.
 */
function choose(
  experiment: Experiment,
  cells: CellStore,
  tuned: string[],
  tasks: string[],
  earlier: TuningChoice[] = [],
) {
  const { tuning } = experiment;
  const metric = experiment.task === 'regression' ? 'rmse' : 'accuracy';
  const cell = (method: string, task: string) => {
    const found = cells.get({ method, task, seed: tuning.seed });
    if (!found) throw new Error(`the tuning cell ${method} on ${task} has not run`);
    return { validation: found.row.validation, seconds: found.row.seconds };
  };
  return chooseCandidates(tuning, tuned, tasks, metric, cell, earlier);
}

/**
 * Runs an experiment: opens it (its data and every check, before anything trains), gets each
 * teacher (pre-trained or from the cache) and measures it, trains the tuning candidates on the
 * tuning tasks, chooses each method's value on validation (a method whose knob follows another's
 * after it), then trains every row cell with its method's choice, except a row that its chosen
 * candidate's tuning cell already is (see rowTuningCell). Only
 * cells not already finished train, each with a copy of its task's teacher, here or in worker
 * processes. Writes results.json, report.md and the plots. A worker process trains the cells it claims of
 * one stage and returns nothing.
 */
export async function runExperiment(
  settings: ExperimentSettings,
  open: (settings: ExperimentSettings) => Promise<Experiment>,
): Promise<ResultFile | undefined> {
  const started = new Date();
  const experiment = await open(settings);
  const { tuning, methodInput } = experiment;
  const [leaders, followers] = tuningRounds(tuning, experiment.methods);
  const tunedOn = tuningTasks(tuning, experiment.tasks, experiment.suite);
  const candidates = tuningPlan(tuning, leaders, tunedOn);
  const followerCandidates = tuningPlan(tuning, followers, tunedOn);
  checkMethods(experiment, [...candidates, ...followerCandidates]);
  const cells = await openCells(settings.outDir, experiment.config, settings.resume || !!settings.worker);
  const sharedFits = sharedFitsIn(join(settings.outDir, SHARED_FITS));
  const teachers = new Teachers(cacheDirectory({ cacheDir: settings.cacheDir }), settings.progress);
  try {
    // Every teacher before the first cell, so that parallel workers find them all in the cache.
    for (const task of experiment.tasks) await teachers.get(experiment.teacherFor(task));
    const teacher = settings.worker
      ? undefined
      : experiment.teacherMetric((task) => teachers.loaded(experiment.teacherFor(task)));
    // Every cell, tuning candidates included, records its test metric, so that a candidate can
    // stand for its row at the tuning seed; the choice reads only validation (see choose).
    const train = (
      stage: Stage,
      plan: CellKey[],
      setupOf: (cell: CellKey) => CellSetup,
      taken: (cell: CellKey) => CellRecord | undefined = () => undefined,
    ) =>
      runCells(settings, stage, plan, cells, async (cell) => {
        const record = taken(cell);
        if (record) return record;
        return teachers.lend(experiment.teacherFor(cell.task), (model) =>
          experiment.runCell(cell, setupOf(cell), model, {
            outDir: join(settings.outDir, 'runs', cellId(cell)),
            events: settings.progress.training,
            sharedFits,
          }),
        );
      });
    await train('tuning', candidates, (cell) => candidateSetup(tuning, cell.method, methodInput, [])!);
    if (settings.worker?.stage === 'tuning') return undefined;
    const leaderChoices = choose(experiment, cells, leaders, tunedOn);
    await train('follower-tuning', followerCandidates, (cell) =>
      candidateSetup(tuning, cell.method, methodInput, leaderChoices)!,
    );
    if (settings.worker?.stage === 'follower-tuning') return undefined;
    const choices = [...leaderChoices, ...choose(experiment, cells, followers, tunedOn, leaderChoices)];
    for (const choice of choices)
      settings.progress.message(
        `tuned ${choice.method}: ${choice.knob} = ${choice.chosen}${choice.follows ? ` (with ${choice.follows})` : ''}`,
      );
    const plan = planCells(experiment.tasks, experiment.methods, experiment.seeds);
    // A row at the tuning seed is its method's chosen tuning cell when their setups match: taken, not trained again.
    const fromTuning = (row: CellKey) => {
      const key = rowTuningCell(tuning, choices, row, tunedOn, methodInput);
      const record = key && cells.get(key);
      return record ? rowFromTuningCell(record, row) : undefined;
    };
    const records = await train(
      'rows',
      plan,
      (cell) => rowSetup(tuning, choices, cell.method, methodInput),
      fromTuning,
    );
    if (!records || !teacher) return undefined;
    const header = runHeader(settings, { ...experiment, config: portableConfig(experiment.config), started });
    return await writeOutputs(
      settings.outDir,
      experiment.title,
      {
        ...header,
        teacher,
        ...(tuning.enabled ? { tuning: { seed: tuning.seed, tasks: tunedOn, choices } } : {}),
      },
      records,
    );
  } finally {
    teachers.dispose();
  }
}
