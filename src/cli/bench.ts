import type { Command } from 'commander';
import { describeBackend, initBackend, type BackendRequest } from '../engine/backend.js';
import { runSpeedBench, type SpeedResult } from '../bench/speed.js';
import { WORKLOADS } from '../bench/workloads.js';
import { PYTORCH_WORKLOADS } from '../bench/pytorch.js';
import { backendOption, nonNegativeInt, positiveInt, threadsOption } from './options.js';
import { progressBar } from './progress.js';
import { registerProfileCommand } from './bench_profile.js';
import { writeResult } from './write_result.js';

interface SpeedFlags {
  backend: BackendRequest;
  threads?: number;
  out?: string;
  workloads: string;
  steps: number;
  warmup: number;
  rounds: number;
  seed: number;
  batch?: number;
  pytorch?: boolean;
  pytorchThreads?: number;
  allowLoad?: boolean;
  python?: string;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** The result as a table and the lines that say under which conditions it was measured. */
export function speedTable(result: SpeedResult): string {
  const lines = [
    'workload       framework       ms/step  (round medians)   samples/s  GFLOP/s mm / conv  x best PyTorch',
  ];
  for (const row of result.rows) {
    const ratio = row.framework === 'tfjs' ? result.ratios?.[row.workload] : undefined;
    const spread = row.rounds > 1 ? `${fixed(row.spread[0])}-${fixed(row.spread[1])}` : '';
    const gflops = row.gflops
      ? `${row.gflops.matmul ? fixed(row.gflops.matmul) : '-'} / ${row.gflops.conv ? fixed(row.gflops.conv) : '-'}`
      : '';
    const line =
      `${row.workload.padEnd(14)} ${row.framework.padEnd(14)} ${fixed(row.msPerStep).padStart(8)}  ` +
      `${spread.padEnd(16)} ${Math.round(row.samplesPerSecond).toString().padStart(10)}  ${gflops.padEnd(17)}  ` +
      (ratio ? `${fixed(ratio.ratio, 2)} (${ratio.against})` : '');
    lines.push(line.trimEnd());
  }
  const threads =
    result.threads === undefined ? '' : `, ${result.threads} thread${result.threads === 1 ? '' : 's'}`;
  lines.push(`tfjs on ${result.backend}${threads}`);
  lines.push(
    `${result.rows[0]?.rounds ?? 0} rounds of ${result.rows[0]?.steps ?? 0} steps, in this order: ${result.order.join(', ')}; ` +
      'ms/step is the median of every step, GFLOP/s counts the matrix products and convolutions over the whole step',
  );
  if (result.talkingOverTeacher !== undefined) {
    lines.push(
      `talking-step takes ${fixed(result.talkingOverTeacher, 2)}x a rec-mlp (teacher) step, both tfjs`,
    );
  }
  if (result.simdPeak) {
    const cores = result.threads ?? 1;
    const ceiling = result.simdPeak.gflopsOneCore * cores;
    lines.push(
      `wasm SIMD peak (f32x4 multiply then add, no memory): ${fixed(result.simdPeak.gflopsOneCore)} GFLOP/s on one core, ` +
        `${fixed(ceiling)} on ${cores}; tfjs's products and convolutions reach ` +
        result.rows
          .filter((row) => row.framework === 'tfjs' && row.gflops)
          .map(
            (row) =>
              `${Math.round((100 * (row.gflops!.matmul + row.gflops!.conv)) / ceiling)}% of it in ${row.workload}`,
          )
          .join(', '),
    );
  }
  const torch = result.pytorch;
  if (torch && 'error' in torch) lines.push(`PyTorch: ${torch.error}`);
  if (torch && 'setups' in torch) {
    lines.push(
      `PyTorch ${torch.version}, ${torch.threads} thread${torch.threads === 1 ? '' : 's'}, oneDNN ${torch.mkldnn ? 'on' : 'off'}`,
    );
    for (const setup of torch.setups) {
      const variables = Object.entries(setup.openblas).map(([k, v]) => `${k}=${v}`);
      const kernel = setup.blas.openblas
        ? `OpenBLAS kernel ${setup.blas.coretype}`
        : `not OpenBLAS (${setup.blas.library})`;
      lines.push(
        `  ${setup.framework}: ${variables.length ? variables.join(' ') : 'no OpenBLAS variables'}, ${kernel}`,
      );
    }
  }
  const { cpus, coreType, loadBefore, loadMax, loadAfter, othersPerCore } = result.machine;
  lines.push(
    `machine: ${cpus} cpus${coreType ? ` (OpenBLAS core type ${coreType})` : ''}, load average ${fixed(loadBefore, 2)} before, ` +
      `${fixed(loadMax ?? loadBefore, 2)} at most, ${fixed(loadAfter ?? loadBefore, 2)} after` +
      (othersPerCore === undefined
        ? ''
        : `; other processes used ${fixed(othersPerCore, 2)} of each core during the run`),
  );
  if (result.loadProblem) lines.push(`busy machine: ${result.loadProblem}`);
  if (result.ratioWithheld)
    lines.push('no ratios: they need a quiet machine (--allow-load gives them anyway)');
  else if (result.ratios && result.loadProblem)
    lines.push('ratios given on a busy machine (--allow-load): do not quote them');
  return lines.join('\n');
}

/**
 * `talking-models bench speed`: ms per step of the speed workloads (src/bench/), training steps and
 * a teacher forward pass.
 */
export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks');
  registerProfileCommand(bench);
  bench
    .command('speed')
    .description(
      'throughput (median ms per step) of the speed workloads: training steps, and a teacher forward pass (docs/results/speed.md)',
    )
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--out <file>', 'write the result JSON here')
    .option('--workloads <list>', 'comma-separated workloads', Object.keys(WORKLOADS).join(','))
    .option('--steps <n>', 'measured steps per workload', positiveInt('--steps'), 20)
    .option('--warmup <n>', 'unmeasured steps first, in every round', nonNegativeInt('--warmup'), 3)
    .option(
      '--rounds <n>',
      'rounds of interleaved runs (tfjs, PyTorch, PyTorch tuned, tfjs, ...)',
      positiveInt('--rounds'),
      3,
    )
    .option('--seed <n>', 'seed of the synthetic data and weights', nonNegativeInt('--seed'), 0)
    .option(
      '--batch <n>',
      "override every workload's batch size (for quick checks only)",
      positiveInt('--batch'),
    )
    .option(
      '--pytorch',
      `also run ${PYTORCH_WORKLOADS.join(', ')} in PyTorch (python3-torch), as installed and with the OpenBLAS core type of this CPU, for ratios`,
    )
    .option(
      '--pytorch-threads <n>',
      "PyTorch's threads (default: the machine's cores); 1 compares one core with --threads 1",
      positiveInt('--pytorch-threads'),
    )
    .option('--python <command>', 'the Python that has torch (default /usr/bin/python3, else python3)')
    .option('--allow-load', 'give ratios even when the machine is busy (load above 0.5 per core)')
    .action(async (flags: SpeedFlags) => {
      const backend = await initBackend(flags.backend, { threads: flags.threads });
      console.log(`backend: ${describeBackend(backend)}`);
      const workloads = flags.workloads.split(',').map((w) => w.trim());
      const bar = progressBar('bench speed');
      bar?.start(flags.rounds * workloads.length * (flags.steps + flags.warmup), 0, { task: '' });
      let done = 0;
      const result = await runSpeedBench(backend, {
        ...flags,
        workloads,
        onProgress: (workload, step, total) => {
          if (step === 1 && !bar) console.log(`${workload}: ${total} steps`);
          bar?.update(++done, { task: workload });
        },
        onRun: (framework, round) => {
          if (!bar) console.log(`round ${round}: ${framework}`);
          bar?.update(done, { task: `${framework}, round ${round}` });
        },
      });
      bar?.stop();
      console.log(speedTable(result));
      if (flags.out) await writeResult(flags.out, result);
    });
}
