import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import {
  defaultThreads,
  describeBackend,
  initBackend,
  resolveThreads,
  THREADS_ENV,
  type BackendRequest,
} from '../engine/backend.js';
import { ABLATIONS, parseMovielensGenreConfig, QUICK } from '../experiments/movielens/config.js';
import { MOVIELENS_DATASETS } from '../data/movielens/load.js';
import { openMovielensGenre } from '../experiments/movielens/experiment.js';
import { IMAGE_QUICK, parseImageTransferConfig } from '../experiments/images/config.js';
import { openImageTransfer } from '../experiments/images/experiment.js';
import type { Experiment } from '../experiments/experiment.js';
import { runExperiment } from '../experiments/runner.js';
import { readConfigFile } from '../experiments/config_file.js';
import { portableCommand } from './command_line.js';
import { consoleProgress } from '../experiments/progress.js';
import { STAGES, type ExperimentSettings, type Stage } from '../experiments/plan.js';
import { overallRanking } from '../experiments/report.js';
import type { ResultFile } from '../experiments/results.js';
import { parseWorkerSlot, runWorkers, type WorkerSlot } from '../experiments/workers.js';
import { backendOption, positiveInt, threadsOption } from './options.js';
import { METHOD_NAMES } from '../distill/methods/registry.js';

interface CommonFlags {
  backend: BackendRequest;
  threads?: number;
  dataDir?: string;
  cacheDir?: string;
  dataset?: string;
  methods?: string;
  seeds?: number;
  epochs?: number;
  config?: string;
  quick?: boolean;
  resume?: boolean;
  tuning: boolean;
  tuningTasks?: string;
  out?: string;
  jobs: number;
  worker?: WorkerSlot;
  workerStage?: Stage;
}

interface MovielensFlags extends CommonFlags {
  genres?: string;
  ablate?: boolean;
  shift?: boolean;
}

interface ImageFlags extends CommonFlags {
  sourceClasses?: string;
  targetClasses?: string;
  perClass?: number;
}

const E1_SHIFT_OUT = 'runs/movielens-genre-shift';

const list = (value?: string) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** The table of report.md, printed at the end of a run. */
function printSummary(result: ResultFile, outDir: string): void {
  const tasks = [...new Set(result.summary.map((s) => s.task))];
  const methods = [...new Set(result.summary.map((s) => s.method))];
  const width = Math.max(16, ...methods.map((m) => m.length)) + 2;
  const taskWidth = Math.max(10, ...tasks.map((t) => t.length + 2));
  console.log(
    `\n${'task'.padEnd(taskWidth)}${'teacher'.padEnd(10)}${methods.map((m) => m.padEnd(width)).join('')}`,
  );
  for (const task of tasks) {
    const cells = methods.map((m) => {
      const s = result.summary.find((x) => x.method === m && x.task === task);
      return (s ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : '-').padEnd(width);
    });
    const teacher = result.teacher.byTask[task];
    console.log(`${task.padEnd(taskWidth)}${(teacher?.toFixed(4) ?? '-').padEnd(10)}${cells.join('')}`);
  }
  console.log(`teacher ${result.teacher.metric} on ${result.teacher.on}: ${result.teacher.value.toFixed(4)}`);
  const [best] = overallRanking(result);
  if (best) {
    const which = result.summary[0].metric === 'rmse' ? 'lowest mean RMSE' : 'highest mean accuracy';
    console.log(`\n${which}: ${best.method} (${best.mean.toFixed(4)})`);
  }
  console.log(`wrote ${outDir}/results.json, report.md and SVG plots`);
}

/** The options every experiment takes; `defaults` is its config's, for the help. */
function addCommonOptions(
  command: Command,
  defaultOut: string,
  defaults: { methods: string[]; seeds: number },
): Command {
  return command
    .addOption(backendOption())
    .addOption(threadsOption(' / --jobs, each'))
    .option(
      '--data-dir <dir>',
      'folder holding the dataset (else TALKING_MODELS_DATA_DIR, else the download cache)',
    )
    .option(
      '--cache-dir <dir>',
      'download and teacher cache (default TALKING_MODELS_CACHE_DIR or ~/.cache/talking-models)',
    )
    .option(
      '--methods <list>',
      `comma-separated methods (${METHOD_NAMES.join(', ')}) or variants of --config (default: ${defaults.methods.join(',')})`,
    )
    .option('--seeds <n>', `seeds per cell (default: ${defaults.seeds})`, positiveInt('--seeds'))
    .option('--epochs <n>', 'epoch budget of teacher and students (for smoke tests)', positiveInt('--epochs'))
    .option('--config <file>', 'a JSON experiment config; flags override it')
    .option('--resume', 'continue a killed run in --out: finished cells are kept')
    .option(
      '--no-tuning',
      "run every method at its defaults, without choosing each method's main knob on validation first",
    )
    .option(
      '--tuning-tasks <list>',
      "comma-separated tasks whose mean validation metric chooses each method's knob (config tuning.tasks; default: every task)",
    )
    .option('--out <dir>', 'output folder', defaultOut)
    .option(
      '--jobs <n>',
      'train cells in n processes at once, each on --threads threads; jobs x threads may not exceed the cores',
      positiveInt('--jobs'),
      1,
    )
    .addOption(
      new Option('--worker <k/n>', 'internal: one worker process of --jobs')
        .argParser(parseWorkerSlot)
        .hideHelp(),
    )
    .addOption(
      new Option('--worker-stage <stage>', 'internal: the stage a worker trains').choices(STAGES).hideHelp(),
    );
}

/** The config input from --config, --quick and the flags every experiment shares. */
async function commonInput(
  flags: CommonFlags,
  quick: object,
  parse: (input: unknown) => unknown,
): Promise<Record<string, unknown>> {
  const fromFile = flags.config ? await readConfigFile(flags.config, parse) : {};
  const input: Record<string, unknown> = { ...fromFile, ...(flags.quick ? quick : {}) };
  if (flags.dataset) input.dataset = flags.dataset;
  if (flags.methods) input.methods = list(flags.methods);
  if (flags.seeds) input.seeds = flags.seeds;
  if (!flags.tuning) input.tuning = { ...(input.tuning as object), enabled: false };
  if (flags.tuningTasks) input.tuning = { ...(input.tuning as object), tasks: list(flags.tuningTasks) };
  if (flags.epochs) {
    for (const key of ['training', 'teacherTraining'])
      input[key] = { ...(input[key] as object), epochs: flags.epochs };
  }
  return input;
}

/**
 * Refuses more jobs x threads than cores: each thread of a wasm backend computes flat out, so
 * more would only make the processes take turns on the cores (and slow XNNPACK's threads, which
 * wait for each other at every product). The user chooses how to split the cores.
 */
export function checkCores(jobs: number, threads: number, cores: number): void {
  if (jobs * threads <= cores) return;
  const ways =
    cores > 1 ? `--jobs ${cores} --threads 1, or --jobs 1 --threads ${cores}` : '--jobs 1 --threads 1';
  throw new Error(
    `--jobs ${jobs} with ${threads} threads each needs ${jobs * threads} cores; this machine has ${cores}. ` +
      `Use ${ways} (--threads defaults to ${THREADS_ENV}, else the cores / --jobs).`,
  );
}

/** Runs an experiment with a progress display; a worker prints lines only and writes no outputs. */
async function execute(
  flags: CommonFlags,
  open: (settings: ExperimentSettings) => Promise<Experiment>,
): Promise<void> {
  const share = defaultThreads(flags.jobs);
  // A parent of workers computes only while none runs (the teachers), so by default on every core.
  const backend = await initBackend(flags.backend, {
    threads: flags.threads,
    defaultThreads: flags.worker ? share : undefined,
  });
  // Threads are the wasm backend's; tensorflow sizes its own pools, cpu has one thread.
  if (!flags.worker && backend === 'wasm')
    checkCores(flags.jobs, resolveThreads(flags.threads, share), availableParallelism());
  console.log(
    `backend: ${describeBackend(backend)}${flags.worker ? ` (worker ${flags.worker.index} of ${flags.worker.count})` : ''}`,
  );
  const progress = consoleProgress({ lines: !!flags.worker });
  try {
    const result = await runExperiment(
      {
        outDir: flags.out!,
        backend,
        quick: !!flags.quick,
        resume: !!flags.resume,
        dataDir: flags.dataDir,
        cacheDir: flags.cacheDir,
        command: portableCommand(process.argv.slice(2)),
        progress,
        worker: flags.worker && { ...flags.worker, stage: flags.workerStage ?? 'rows' },
        parallel:
          flags.jobs > 1 && !flags.worker
            ? (stage) => runWorkers(flags.jobs, stage, progress.message)
            : undefined,
      },
      open,
    );
    progress.stop();
    if (result) printSummary(result, flags.out!);
  } finally {
    progress.stop();
  }
}

/** `talking-models run <experiment>`. */
export function registerRunCommand(program: Command): void {
  const run = program
    .command('run')
    .description('run an experiment (its settings: docs/experiment-choices.md)');
  const e1 = parseMovielensGenreConfig({});
  const e2 = parseImageTransferConfig({});
  addCommonOptions(
    run
      .command('movielens-genre')
      .description(
        'E1: teacher pre-trained on all genres, students on one genre each; test RMSE per genre and method',
      ),
    'runs/movielens-genre',
    e1,
  )
    .addOption(
      new Option('--dataset <name>', `MovieLens release (default: ${e1.dataset})`).choices(
        MOVIELENS_DATASETS,
      ),
    )
    .option('--genres <list>', `comma-separated genres (default: ${e1.genres.join(',')})`)
    .option('--quick', `genres ${QUICK.genres.join(',')}, ${QUICK.seeds} seed, a shorter budget`)
    .option(
      '--ablate',
      'talking ablations on two genres (default Sci-Fi, Romance: mid-sized, so the ablations stay cheap)',
    )
    .option(
      '--shift',
      `E1-shift: each genre's teacher is pre-trained on all ratings but the genre's movies (default --out ${E1_SHIFT_OUT})`,
    )
    .action(async (flags: MovielensFlags, command: Command) => {
      const input = await commonInput(flags, QUICK, parseMovielensGenreConfig);
      if (flags.shift) input.shift = true;
      if (flags.ablate) {
        // Mid-sized genres by default, so that the seven talking variants stay cheap.
        const genres = (list(flags.genres) ?? ['Sci-Fi', 'Romance']).slice(0, 2);
        Object.assign(input, {
          genres,
          methods: ['talking', ...Object.keys(ABLATIONS)],
          variants: { ...ABLATIONS, ...(input.variants as object) },
          // Each part is taken away from talking as a user gets it: at its defaults.
          tuning: { enabled: false },
        });
      }
      if (flags.genres && !flags.ablate) input.genres = list(flags.genres);
      const config = parseMovielensGenreConfig(input);
      // A shifted run (by flag or config file) must not overwrite E1's default output.
      if (config.shift && command.getOptionValueSource('out') === 'default') flags.out = E1_SHIFT_OUT;
      await execute(flags, (settings) => openMovielensGenre(config, settings));
    });

  addCommonOptions(
    run
      .command('image-transfer')
      .description(
        'E2: a ResNet-20 teacher pre-trained on source classes, ResNet-8 students on K images of each new class; test accuracy per method',
      ),
    'runs/image-transfer',
    e2,
  )
    .option(
      '--dataset <name>',
      `cifar10, or folder:PATH for PATH/<train|test>/<class>/<image> (default: ${e2.dataset})`,
    )
    .option(
      '--source-classes <list>',
      `comma-separated classes of the teacher's pre-training (default: ${e2.sourceClasses.join(',')})`,
    )
    .option(
      '--target-classes <list>',
      `comma-separated downstream classes, new to the teacher (default: ${e2.targetClasses.join(',')})`,
    )
    .option(
      '--per-class <k>',
      `labelled downstream images per class (default: ${e2.perClass})`,
      positiveInt('--per-class'),
    )
    .option('--quick', '100 images a class, 1 seed, a shorter budget, a teacher on 400 images a class')
    .action(async (flags: ImageFlags) => {
      const input = await commonInput(flags, IMAGE_QUICK, parseImageTransferConfig);
      if (flags.sourceClasses) input.sourceClasses = list(flags.sourceClasses);
      if (flags.targetClasses) input.targetClasses = list(flags.targetClasses);
      if (flags.perClass) input.perClass = flags.perClass;
      const config = parseImageTransferConfig(input);
      await execute(flags, (settings) => openImageTransfer(config, settings));
    });
}
