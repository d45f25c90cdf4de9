import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { initBackend, type BackendRequest } from '../engine/backend.js';
import { ABLATIONS, parseMovielensGenreConfig, QUICK } from '../experiments/movielens/config.js';
import { runMovielensGenre } from '../experiments/movielens/run.js';
import { consoleProgress } from '../experiments/progress.js';
import { overallRanking } from '../experiments/report.js';
import type { ResultFile } from '../experiments/results.js';
import { backendOption, positiveInt } from './options.js';

interface RunFlags {
  backend: BackendRequest;
  dataDir?: string;
  cacheDir?: string;
  dataset?: string;
  genres?: string;
  methods?: string;
  seeds?: number;
  epochs?: number;
  config?: string;
  quick?: boolean;
  ablate?: boolean;
  resume?: boolean;
  out?: string;
}

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
  console.log(`\n${'task'.padEnd(10)}${'teacher'.padEnd(10)}${methods.map((m) => m.padEnd(width)).join('')}`);
  for (const task of tasks) {
    const cells = methods.map((m) => {
      const s = result.summary.find((x) => x.method === m && x.task === task);
      return (s ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : '-').padEnd(width);
    });
    console.log(`${task.padEnd(10)}${result.teacher.byTask[task].toFixed(4).padEnd(10)}${cells.join('')}`);
  }
  const [best] = overallRanking(result);
  if (best)
    console.log(`\nlowest mean ${result.summary[0].metric}: ${best.method} (${best.mean.toFixed(4)})`);
  console.log(`wrote ${outDir}/results.json, report.md and SVG plots`);
}

/** `talking-models run <experiment>`. */
export function registerRunCommand(program: Command): void {
  const run = program.command('run').description('run an experiment of experiments.md');
  run
    .command('movielens-genre')
    .description(
      'E1: teacher pre-trained on all genres, students on one genre each; test RMSE per genre and method',
    )
    .addOption(backendOption())
    .option(
      '--data-dir <dir>',
      'folder holding ml-100k/ (else TALKING_MODELS_DATA_DIR, else the download cache)',
    )
    .option(
      '--cache-dir <dir>',
      'download and teacher cache (default TALKING_MODELS_CACHE_DIR or ~/.cache/talking-models)',
    )
    .option('--dataset <name>', 'ml-100k, ml-1m or ml-latest')
    .option('--genres <list>', 'comma-separated genres')
    .option('--methods <list>', 'comma-separated methods')
    .option('--seeds <n>', 'seeds per cell', positiveInt('--seeds'))
    .option('--epochs <n>', 'epoch budget of teacher and students (for smoke tests)', positiveInt('--epochs'))
    .option('--config <file>', 'a JSON experiment config; flags override it')
    .option('--quick', '2 genres, 1 seed, a shorter budget')
    .option(
      '--ablate',
      'talking ablations on two genres (default Sci-Fi, Romance: mid-sized, so the ablations stay cheap)',
    )
    .option('--resume', 'continue a killed run in --out: finished cells are kept')
    .option('--out <dir>', 'output folder', 'runs/movielens-genre')
    .action(async (flags: RunFlags) => {
      const backend = await initBackend(flags.backend);
      console.log(`backend: ${backend}`);
      const fromFile = flags.config ? JSON.parse(await readFile(flags.config, 'utf8')) : {};
      const input: Record<string, unknown> = { ...fromFile, ...(flags.quick ? QUICK : {}) };
      if (flags.ablate) {
        // Mid-sized genres by default, so that the seven talking variants stay cheap.
        const genres = (list(flags.genres) ?? ['Sci-Fi', 'Romance']).slice(0, 2);
        Object.assign(input, {
          genres,
          methods: ['talking', ...Object.keys(ABLATIONS)],
          variants: { ...ABLATIONS, ...(input.variants as object) },
        });
      }
      if (flags.dataset) input.dataset = flags.dataset;
      if (flags.genres && !flags.ablate) input.genres = list(flags.genres);
      if (flags.methods) input.methods = list(flags.methods);
      if (flags.seeds) input.seeds = flags.seeds;
      if (flags.epochs) {
        for (const key of ['training', 'teacherTraining'])
          input[key] = { ...(input[key] as object), epochs: flags.epochs };
      }
      const config = parseMovielensGenreConfig(input);
      const progress = consoleProgress();
      try {
        const result = await runMovielensGenre({
          config,
          outDir: flags.out!,
          backend,
          quick: !!flags.quick,
          resume: !!flags.resume,
          dataDir: flags.dataDir,
          cacheDir: flags.cacheDir,
          command: `talking-models ${process.argv.slice(2).join(' ')}`,
          progress,
        });
        progress.stop();
        printSummary(result, flags.out!);
      } finally {
        progress.stop();
      }
    });
}
