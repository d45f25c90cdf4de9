import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { tf } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { packagePath } from '../engine/package_root.js';
import type { BackendName } from '../engine/backend.js';
import { WORKLOADS } from './workloads.js';

/** One measured workload, as experiments.md's speed JSON has it. */
export interface SpeedRow {
  workload: string;
  framework: 'tfjs' | 'pytorch';
  msPerStep: number;
  samplesPerSecond: number;
  steps: number;
  batch: number;
}

export interface SpeedResult {
  suite: 'speed';
  backend: BackendName;
  started: string;
  tfjs: string;
  node: string;
  pytorch?: { version: string; threads: number } | { error: string };
  /**
   * The machine is shared: its one-minute load average before and after the run says how far
   * other processes slowed both frameworks (PyTorch's two threads suffer most when cores are busy).
   */
  machine: { cpus: number; loadBefore: number; loadAfter?: number };
  rows: SpeedRow[];
  /** tfjs time per step over PyTorch's, per workload, when PyTorch ran in the same run. */
  ratios?: Record<string, number>;
}

export interface SpeedOptions {
  workloads: string[];
  steps: number;
  warmup: number;
  seed: number;
  batch?: number;
  pytorch?: boolean;
  /** Called before each workload and after each step, for progress display. */
  onProgress?: (workload: string, step: number, total: number) => void;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median time of `steps` training steps after `warmup` ones, per workload, on the active backend. */
export async function measureTfjs(options: SpeedOptions): Promise<SpeedRow[]> {
  const rows: SpeedRow[] = [];
  const random = new Random(options.seed);
  for (const name of options.workloads) {
    const make = WORKLOADS[name];
    if (!make)
      throw new Error(`Unknown workload "${name}"; expected one of ${Object.keys(WORKLOADS).join(', ')}`);
    const workload = make(options.batch);
    const prepared = await workload.prepare(random.derive(name));
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
    const ms = median(times);
    rows.push({
      workload: name,
      framework: 'tfjs',
      msPerStep: ms,
      samplesPerSecond: (workload.batch / ms) * 1000,
      steps: options.steps,
      batch: workload.batch,
    });
  }
  return rows;
}

/** Debian's python3-torch installs for the system Python, not for a pyenv one earlier on PATH. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

/** Runs bench/pytorch_speed.py with the same workloads in this run, for honest ratios. */
export async function measurePytorch(
  options: SpeedOptions,
): Promise<{ rows: SpeedRow[]; version: string; threads: number }> {
  const script = packagePath('bench', 'pytorch_speed.py');
  const args = [
    script,
    '--workloads',
    options.workloads.join(','),
    '--steps',
    String(options.steps),
    '--warmup',
    String(options.warmup),
    '--threads',
    '2',
    '--seed',
    String(options.seed),
    ...(options.batch ? ['--batch', String(options.batch)] : []),
  ];
  let lastError = '';
  for (const python of PYTHONS) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    try {
      const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 1 << 20 });
      const parsed = JSON.parse(stdout.trim().split('\n').pop()!) as {
        version: string;
        threads: number;
        rows: Omit<SpeedRow, 'framework'>[];
      };
      return {
        version: parsed.version,
        threads: parsed.threads,
        rows: parsed.rows.map((row) => ({ ...row, framework: 'pytorch' })),
      };
    } catch (error) {
      lastError = error instanceof Error ? error.message.split('\n').slice(-2).join(' ') : String(error);
    }
  }
  throw new Error(
    `PyTorch could not run (${lastError.trim()}). Install it (Debian: apt-get install python3-torch) ` +
      'or leave out --pytorch.',
  );
}

/** The whole `bench speed` run: tfjs on the active backend, then PyTorch if asked. */
export async function runSpeedBench(backend: BackendName, options: SpeedOptions): Promise<SpeedResult> {
  const result: SpeedResult = {
    suite: 'speed',
    backend,
    started: new Date().toISOString(),
    tfjs: tf.version_core,
    node: process.version,
    machine: { cpus: cpus().length, loadBefore: loadavg()[0] },
    rows: await measureTfjs(options),
  };
  if (options.pytorch) {
    try {
      const torch = await measurePytorch({
        ...options,
        workloads: options.workloads.filter((w) => w !== 'talking-step'),
      });
      result.pytorch = { version: torch.version, threads: torch.threads };
      result.rows.push(...torch.rows);
      result.ratios = Object.fromEntries(
        torch.rows.flatMap((row) => {
          const ours = result.rows.find((r) => r.framework === 'tfjs' && r.workload === row.workload);
          return ours ? [[row.workload, ours.msPerStep / row.msPerStep]] : [];
        }),
      );
    } catch (error) {
      result.pytorch = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  result.machine.loadAfter = loadavg()[0];
  return result;
}
