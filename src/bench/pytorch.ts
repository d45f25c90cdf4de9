import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { packagePath } from '../engine/package_root.js';

/** The workloads bench/pytorch_speed.py implements. */
export const PYTORCH_WORKLOADS = ['rec-mlp', 'cnn', 'teacher-forward'];

/**
 * OpenBLAS's overrides of its CPU detection. Some machines set both in their environment to work
 * around older builds; measuring OpenBLAS as installed unsets both together.
 */
const OPENBLAS_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** One way of running PyTorch: its name in the rows and the environment it runs with. */
export interface PytorchSetup {
  framework: 'pytorch' | 'pytorch-tuned';
  /** The OpenBLAS variables this setup sets, for the report ({} for none). */
  openblas: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

/**
 * PyTorch as installed (OpenBLAS detects the CPU itself: any OPENBLAS_CORETYPE or
 * OPENBLAS_L2_SIZE of this environment are unset, both together) and, when the CPU's core type is
 * known, with OPENBLAS_CORETYPE set to it: the best a user of this machine would get.
 */
export function pytorchSetups(env: NodeJS.ProcessEnv, coreType: string | undefined): PytorchSetup[] {
  const clean = { ...env };
  for (const name of OPENBLAS_VARIABLES) delete clean[name];
  const setups: PytorchSetup[] = [{ framework: 'pytorch', openblas: {}, env: clean }];
  if (coreType) {
    setups.push({
      framework: 'pytorch-tuned',
      openblas: { OPENBLAS_CORETYPE: coreType },
      env: { ...clean, OPENBLAS_CORETYPE: coreType },
    });
  }
  return setups;
}

/** The BLAS library a PyTorch run loaded, and OpenBLAS's kernel choice when it is OpenBLAS. */
export type BlasInfo =
  | { library: string; openblas: true; coretype: string; config: string }
  | { library: string; openblas: false };

/** What one run of bench/pytorch_speed.py reports. */
export interface PytorchRun {
  version: string;
  threads: number;
  mkldnn: boolean;
  blas: BlasInfo;
  rows: { workload: string; times: number[]; batch: number }[];
}

/** Debian's python3-torch installs for the system Python, not for a pyenv one earlier on PATH. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

export interface PytorchArgs {
  workloads: string[];
  steps: number;
  warmup: number;
  seed: number;
  batch?: number;
  /** PyTorch's threads: by default the machine's cores, the best a user gets here. */
  threads?: number;
  /** The Python to run (with torch); by default Debian's, then the first python3 on PATH. */
  python?: string;
}

/** Runs bench/pytorch_speed.py once with `setup`'s environment and returns its report. */
export async function runPytorch(args: PytorchArgs, setup: PytorchSetup): Promise<PytorchRun> {
  const argv = [
    packagePath('bench', 'pytorch_speed.py'),
    '--workloads',
    args.workloads.join(','),
    '--steps',
    String(args.steps),
    '--warmup',
    String(args.warmup),
    '--threads',
    String(args.threads ?? availableParallelism()),
    '--seed',
    String(args.seed),
    ...(args.batch ? ['--batch', String(args.batch)] : []),
  ];
  const pythons = args.python ? [args.python] : PYTHONS;
  let lastError = '';
  for (const python of pythons) {
    if (!args.python && python.startsWith('/') && !existsSync(python)) continue;
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(python, argv, { maxBuffer: 1 << 22, env: setup.env }));
    } catch (error) {
      lastError = error instanceof Error ? error.message.split('\n').slice(-2).join(' ') : String(error);
      continue;
    }
    return parseRun(stdout, python);
  }
  throw new Error(
    `PyTorch could not run (${lastError.trim()}). Install it (Debian: apt-get install python3-torch), ` +
      'name a Python that has it with --python, or leave out --pytorch.',
  );
}

function parseRun(stdout: string, python: string): PytorchRun {
  const last = stdout.trim().split('\n').pop() ?? '';
  let parsed: Partial<PytorchRun>;
  try {
    parsed = JSON.parse(last) as Partial<PytorchRun>;
  } catch {
    throw new Error(`${python} pytorch_speed.py printed no JSON line at the end, but: ${last.slice(0, 200)}`);
  }
  if (typeof parsed.version !== 'string' || !Array.isArray(parsed.rows) || !parsed.blas) {
    throw new Error(`${python} pytorch_speed.py: expected version, blas and rows in ${last.slice(0, 200)}`);
  }
  return parsed as PytorchRun;
}
