import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { initBackend, type BackendRequest } from '../engine/backend.js';
import { runSpeedBench, type SpeedResult } from '../bench/speed.js';
import { WORKLOADS } from '../bench/workloads.js';
import { backendOption, nonNegativeInt, positiveInt } from './options.js';
import { progressBar } from './progress.js';

interface SpeedFlags {
  backend: BackendRequest;
  out?: string;
  workloads: string;
  steps: number;
  warmup: number;
  seed: number;
  batch?: number;
  pytorch?: boolean;
}

function table(result: SpeedResult): string {
  const lines = ['workload       framework  ms/step   samples/s  steps  batch  x PyTorch'];
  for (const row of result.rows) {
    const ratio = row.framework === 'tfjs' ? result.ratios?.[row.workload] : undefined;
    lines.push(
      `${row.workload.padEnd(14)} ${row.framework.padEnd(10)} ${row.msPerStep.toFixed(1).padStart(8)}  ` +
        `${Math.round(row.samplesPerSecond).toString().padStart(9)}  ${String(row.steps).padStart(5)}  ` +
        `${String(row.batch).padStart(5)}  ${ratio === undefined ? '' : ratio.toFixed(2).padStart(9)}`.trimEnd(),
    );
  }
  if (result.ratios) lines.push("x PyTorch: tfjs's time per step over PyTorch's, measured in this run");
  if (result.pytorch && 'error' in result.pytorch) lines.push(`PyTorch: ${result.pytorch.error}`);
  const { cpus, loadBefore, loadAfter } = result.machine;
  lines.push(
    `machine: ${cpus} cpus, load average ${loadBefore.toFixed(1)} before and ${loadAfter?.toFixed(1)} after`,
  );
  return lines.join('\n');
}

/** `talking-models bench speed`: training throughput of the speed workloads (src/bench/). */
export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks');
  bench
    .command('speed')
    .description('training throughput (median ms per step) of the speed workloads (docs/results/speed.md)')
    .addOption(backendOption())
    .option('--out <file>', 'write the result JSON here')
    .option('--workloads <list>', 'comma-separated workloads', Object.keys(WORKLOADS).join(','))
    .option('--steps <n>', 'measured steps per workload', positiveInt('--steps'), 20)
    .option('--warmup <n>', 'unmeasured steps first', nonNegativeInt('--warmup'), 3)
    .option('--seed <n>', 'seed of the synthetic data and weights', nonNegativeInt('--seed'), 0)
    .option(
      '--batch <n>',
      "override every workload's batch size (for quick checks only)",
      positiveInt('--batch'),
    )
    .option('--pytorch', 'also run the same workloads in PyTorch (python3-torch) in this run, for ratios')
    .action(async (flags: SpeedFlags) => {
      const backend = await initBackend(flags.backend);
      console.log(`backend: ${backend}`);
      const workloads = flags.workloads.split(',').map((w) => w.trim());
      const bar = progressBar('bench speed');
      bar?.start(workloads.length * (flags.steps + flags.warmup), 0, { task: '' });
      let done = 0;
      const result = await runSpeedBench(backend, {
        ...flags,
        workloads,
        onProgress: (workload, step, total) => {
          if (step === 1 && !bar) console.log(`${workload}: ${total} steps`);
          bar?.update(++done, { task: workload });
        },
      });
      bar?.stop();
      console.log(table(result));
      if (flags.out) {
        await mkdir(dirname(flags.out), { recursive: true });
        await writeFile(flags.out, JSON.stringify(result, null, 2) + '\n');
        console.log(`wrote ${flags.out}`);
      }
    });
}
