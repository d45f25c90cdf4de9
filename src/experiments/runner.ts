import { join } from 'node:path';
import { cacheDirectory } from '../data/download.js';
import { cellId, openCells } from './cells.js';
import type { Experiment } from './experiment.js';
import { writeOutputs } from './output.js';
import { planCells, runCells, runHeader, type ExperimentSettings } from './plan.js';
import type { ResultFile } from './results.js';
import { Teachers } from './teachers.js';
import { portableConfig } from '../util/paths.js';
import { checkTask, parseMethodConfig } from '../distill/methods/registry.js';

/** Every method of the run is valid and defined for its task, before anything trains. */
function checkMethods(experiment: Experiment): void {
  for (const method of experiment.methods) {
    try {
      checkTask(parseMethodConfig(experiment.methodInput(method)).name, experiment.task);
    } catch (error) {
      throw new Error(`Invalid ${experiment.suite} config: method "${method}": ${(error as Error).message}`);
    }
  }
}

/**
 * Runs an experiment: opens it (its data and every check, before anything trains), gets each
 * teacher (pre-trained or from the cache) and measures it, then trains every cell not already
 * finished, each with a copy of its task's teacher, here or in worker processes, and writes
 * results.json, report.md and the plots. A worker process trains its share and returns nothing.
 */
export async function runExperiment(
  settings: ExperimentSettings,
  open: (settings: ExperimentSettings) => Promise<Experiment>,
): Promise<ResultFile | undefined> {
  const started = new Date();
  const experiment = await open(settings);
  checkMethods(experiment);
  const cells = await openCells(settings.outDir, experiment.config, settings.resume || !!settings.worker);
  const teachers = new Teachers(cacheDirectory({ cacheDir: settings.cacheDir }), settings.progress);
  try {
    // Every teacher before the first cell, so that parallel workers find them all in the cache.
    for (const task of experiment.tasks) await teachers.get(experiment.teacherFor(task));
    const teacher = settings.worker
      ? undefined
      : experiment.teacherMetric((task) => teachers.loaded(experiment.teacherFor(task)));
    const plan = planCells(experiment.tasks, experiment.methods, experiment.seeds);
    const records = await runCells(settings, plan, cells, (cell) =>
      teachers.lend(experiment.teacherFor(cell.task), (model) =>
        experiment.runCell(cell, model, {
          outDir: join(settings.outDir, 'runs', cellId(cell)),
          events: settings.progress.training,
        }),
      ),
    );
    if (!records || !teacher) return undefined;
    const header = runHeader(settings, { ...experiment, config: portableConfig(experiment.config), started });
    return await writeOutputs(settings.outDir, experiment.title, { ...header, teacher }, records);
  } finally {
    teachers.dispose();
  }
}
