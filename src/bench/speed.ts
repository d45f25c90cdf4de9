import { cpus, loadavg } from 'node:os';
import { tf } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { backendThreads, type BackendName } from '../engine/backend.js';
import type { StepFlops } from './flops.js';
import { cpuTicks, loadProblem, openblasCoreType, othersPerCore, readCpuinfo } from './machine.js';
import { measureSimdPeak, type SimdPeak } from './simd_peak.js';
import { PYTORCH_WORKLOADS, pytorchSetups, runPytorch, type BlasInfo, type PytorchSetup } from './pytorch.js';
import { workloadNamed } from './workloads.js';

export type Framework = 'tfjs' | PytorchSetup['framework'];

/** One workload on one framework, over every round of the run. */
export interface SpeedRow {
  workload: string;
  framework: Framework;
  /** Median over every measured step of every round. */
  msPerStep: number;
  /** The lowest and highest of the rounds' medians. */
  spread: [number, number];
  roundMedians: number[];
  samplesPerSecond: number;
  /** Measured steps per round. */
  steps: number;
  rounds: number;
  batch: number;
  /** The matrix products' and convolutions' FLOPs per step over the median step time, in GFLOP/s. */
  gflops?: StepFlops;
}

/** One PyTorch setup as it ran: its OpenBLAS variables and the kernel OpenBLAS picked. */
export interface PytorchSetupReport {
  framework: PytorchSetup['framework'];
  openblas: Record<string, string>;
  blas: BlasInfo;
}

export interface SpeedResult {
  suite: 'speed';
  backend: BackendName;
  /** The threads the backend computed on (as its thread pool reports); absent for tensorflow. */
  threads?: number;
  started: string;
  tfjs: string;
  node: string;
  pytorch?:
    { version: string; threads: number; mkldnn: boolean; setups: PytorchSetupReport[] } | { error: string };
  /**
   * The machine is shared: the one-minute load average before, between rounds (the highest) and
   * after the run, and the share of each core that other processes used during it.
   */
  machine: {
    cpus: number;
    coreType?: string;
    loadBefore: number;
    loadMax?: number;
    loadAfter?: number;
    othersPerCore?: number;
  };
  /** FLOPs of one step's matrix products and convolutions, per workload where counted. */
  flops: Record<string, StepFlops>;
  /**
   * On the wasm backend, WebAssembly SIMD's multiply-then-add rate on one core (simd_peak.wat),
   * measured before the rounds: the ceiling of the products' GFLOP/s is it times the threads.
   */
  simdPeak?: SimdPeak;
  rows: SpeedRow[];
  /** The order the runs took: tfjs and each PyTorch setup in turn, round after round. */
  order: string[];
  /** tfjs's time per step over the best PyTorch setup's, per workload, when the machine was quiet. */
  ratios?: Record<string, { ratio: number; against: Framework }>;
  /**
   * tfjs's talking step over its rec-mlp step (the teacher's own step), when both ran: what one
   * exchange between the models costs beside a plain teacher step.
   */
  talkingOverTeacher?: number;
  /** Why the machine was too busy for honest ratios, if it was (loadProblem). */
  loadProblem?: string;
  /** Set when PyTorch ran but no ratio is given, because the machine was busy and --allow-load was not. */
  ratioWithheld?: string;
}

export interface SpeedOptions {
  workloads: string[];
  steps: number;
  warmup: number;
  seed: number;
  batch?: number;
  pytorch?: boolean;
  /** PyTorch's threads (default: the machine's cores). */
  pytorchThreads?: number;
  /** Rounds of interleaved runs (tfjs, each PyTorch setup, then again). */
  rounds: number;
  /** Give ratios even on a busy machine. */
  allowLoad?: boolean;
  /** The Python with torch (bench/pytorch_speed.py). */
  python?: string;
  /** The environment PyTorch starts from, and /proc/cpuinfo's text; the process's own by default. */
  env?: NodeJS.ProcessEnv;
  cpuinfo?: string;
  /** Called before each workload and after each step, for progress display. */
  onProgress?: (workload: string, step: number, total: number) => void;
  /** Called before each run of a round: "tfjs", "pytorch" or "pytorch-tuned". */
  onRun?: (framework: Framework, round: number) => void;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The runs in order: tfjs, then each PyTorch setup, round after round, so that drift in the machine's load hits all alike. */
export function runOrder<T>(rounds: number, setups: T[]): ('tfjs' | T)[] {
  return Array.from({ length: rounds }, () => ['tfjs' as const, ...setups]).flat();
}

/** One workload's measured step times in one run. */
interface Measured {
  workload: string;
  times: number[];
  batch: number;
}

/** `steps` training steps after `warmup` ones, per workload, on the active backend. */
async function measureTfjs(options: SpeedOptions, flops: Record<string, StepFlops>): Promise<Measured[]> {
  const measured: Measured[] = [];
  const random = new Random(options.seed);
  for (const name of options.workloads) {
    const workload = workloadNamed(name, options.batch);
    const prepared = await workload.prepare(random.derive(name));
    if (prepared.flops) flops[name] = prepared.flops;
    const total = options.warmup + options.steps;
    const times: number[] = [];
    try {
      for (let i = 0; i < total; i++) {
        const start = performance.now();
        const loss = prepared.step();
        if (!Number.isFinite(loss)) throw new Error(`${name}: the loss is ${loss} at step ${i + 1}`);
        if (i >= options.warmup) times.push(performance.now() - start);
        options.onProgress?.(name, i + 1, total);
      }
    } finally {
      prepared.dispose();
    }
    measured.push({ workload: name, times, batch: workload.batch });
  }
  return measured;
}

/** Rows from every round's measurements of one framework. */
export function summarize(
  framework: Framework,
  rounds: Measured[][],
  flops: Record<string, StepFlops>,
): SpeedRow[] {
  return rounds[0].map(({ workload, batch }) => {
    const runs = rounds.map((round) => round.find((m) => m.workload === workload)!.times);
    const ms = median(runs.flat());
    const roundMedians = runs.map(median);
    const counted = flops[workload];
    return {
      workload,
      framework,
      msPerStep: ms,
      spread: [Math.min(...roundMedians), Math.max(...roundMedians)],
      roundMedians,
      samplesPerSecond: (batch / ms) * 1000,
      steps: runs[0].length,
      rounds: runs.length,
      batch,
      ...(counted && { gflops: { matmul: counted.matmul / ms / 1e6, conv: counted.conv / ms / 1e6 } }),
    };
  });
}

/** tfjs's time over the fastest PyTorch setup's, per workload both ran. */
export function ratiosOf(rows: SpeedRow[]): Record<string, { ratio: number; against: Framework }> {
  const ratios: Record<string, { ratio: number; against: Framework }> = {};
  for (const ours of rows.filter((r) => r.framework === 'tfjs')) {
    const theirs = rows
      .filter((r) => r.framework !== 'tfjs' && r.workload === ours.workload)
      .sort((a, b) => a.msPerStep - b.msPerStep)[0];
    if (theirs)
      ratios[ours.workload] = { ratio: ours.msPerStep / theirs.msPerStep, against: theirs.framework };
  }
  return ratios;
}

/**
 * The whole `bench speed` run: tfjs on the active backend and, with `pytorch`, PyTorch as
 * installed and with its OpenBLAS core type, interleaved over `rounds` rounds. Ratios are given
 * only when the machine was quiet (or `allowLoad`).
 */
export async function runSpeedBench(backend: BackendName, options: SpeedOptions): Promise<SpeedResult> {
  for (const name of options.workloads) workloadNamed(name);
  const coreType = openblasCoreType(options.cpuinfo ?? readCpuinfo());
  const result: SpeedResult = {
    suite: 'speed',
    backend,
    threads: backendThreads(),
    started: new Date().toISOString(),
    tfjs: tf.version_core,
    node: process.version,
    machine: { cpus: cpus().length, ...(coreType && { coreType }), loadBefore: loadavg()[0] },
    flops: {},
    rows: [],
    order: [],
  };
  const peak = backend === 'wasm' ? measureSimdPeak() : null;
  if (peak) result.simdPeak = peak;
  const torchWorkloads = options.workloads.filter((w) => PYTORCH_WORKLOADS.includes(w));
  const setups =
    options.pytorch && torchWorkloads.length > 0 ? pytorchSetups(options.env ?? process.env, coreType) : [];
  const measured = new Map<Framework, Measured[][]>();
  const reports = new Map<Framework, PytorchSetupReport>();
  const ticks = cpuTicks();
  let loadMax = result.machine.loadBefore;
  let round = 0;
  let torchInfo: { version: string; threads: number; mkldnn: boolean } | undefined;
  for (const run of runOrder(options.rounds, setups)) {
    if (run === 'tfjs') round++;
    if (run !== 'tfjs' && result.pytorch) continue; // it failed before: the error says why
    const framework = run === 'tfjs' ? 'tfjs' : run.framework;
    options.onRun?.(framework, round);
    let rows: Measured[];
    if (run === 'tfjs') {
      rows = await measureTfjs(options, result.flops);
    } else {
      try {
        const torch = await runPytorch(
          { ...options, threads: options.pytorchThreads, workloads: torchWorkloads },
          run,
        );
        torchInfo = { version: torch.version, threads: torch.threads, mkldnn: torch.mkldnn };
        reports.set(framework, { framework: run.framework, openblas: run.openblas, blas: torch.blas });
        rows = torch.rows;
      } catch (error) {
        result.pytorch = { error: error instanceof Error ? error.message : String(error) };
        continue;
      }
    }
    result.order.push(framework);
    measured.set(framework, [...(measured.get(framework) ?? []), rows]);
    loadMax = Math.max(loadMax, loadavg()[0]);
  }
  for (const [framework, rounds] of measured) result.rows.push(...summarize(framework, rounds, result.flops));
  if (torchInfo && !result.pytorch) result.pytorch = { ...torchInfo, setups: [...reports.values()] };
  const ticksAfter = cpuTicks();
  Object.assign(result.machine, {
    loadMax,
    loadAfter: loadavg()[0],
    ...(ticks && ticksAfter && { othersPerCore: othersPerCore(ticks, ticksAfter) }),
  });
  const tfjsMs = (workload: string) =>
    result.rows.find((r) => r.framework === 'tfjs' && r.workload === workload)?.msPerStep;
  const [talking, teacher] = [tfjsMs('talking-step'), tfjsMs('rec-mlp')];
  if (talking !== undefined && teacher !== undefined) result.talkingOverTeacher = talking / teacher;
  result.loadProblem = loadProblem(result.machine);
  if (result.pytorch && 'setups' in result.pytorch) {
    if (result.loadProblem && !options.allowLoad) result.ratioWithheld = 'the machine was busy';
    else result.ratios = ratiosOf(result.rows);
  }
  return result;
}
