import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { runOrder, runSpeedBench, type SpeedOptions } from './speed.js';
import { pytorchSetups } from './pytorch.js';

// Debian's python3-torch, which bench speed --pytorch uses; CI machines may not have it.
const torchMissing = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0;

const AVX512 =
  'vendor_id\t: GenuineIntel\nflags\t\t: avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n';

/**
 * Stands in for Python with torch: logs the OpenBLAS variables it was started with, reports the
 * kernel a DYNAMIC_ARCH OpenBLAS would (the variable, else a generic one) and steps of 2 ms as
 * installed, 1 ms tuned.
 */
const FAKE_PYTHON = `#!/usr/bin/env node
const args = process.argv.slice(2);
const get = (name) => args[args.indexOf(name) + 1];
const { OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, FAKE_LOG } = process.env;
if (process.env.FAKE_FAIL) { console.error('ModuleNotFoundError: No module named torch'); process.exit(1); }
require('fs').appendFileSync(FAKE_LOG, JSON.stringify({ script: require('path').basename(args[0]),
  OPENBLAS_CORETYPE: OPENBLAS_CORETYPE ?? null, OPENBLAS_L2_SIZE: OPENBLAS_L2_SIZE ?? null,
  threads: get('--threads') }) + '\\n');
console.log(JSON.stringify({ version: 'fake', threads: Number(get('--threads')), mkldnn: false,
  blas: { library: 'libblas.so.3', openblas: true, coretype: OPENBLAS_CORETYPE ?? 'Prescott', config: 'fake' },
  rows: get('--workloads').split(',').map((workload) => ({ workload, batch: Number(get('--batch')),
    times: Array(Number(get('--steps'))).fill(OPENBLAS_CORETYPE ? 1 : 2) })) }));
`;

let dir: string;
let python: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tm-speed-'));
  python = join(dir, 'python');
  await writeFile(python, FAKE_PYTHON);
  await chmod(python, 0o755);
  await initBackend('wasm');
});
after(() => rm(dir, { recursive: true, force: true }));

/** What the fake Python logged of each start: its script, OpenBLAS variables and threads. */
const fakeRuns = async (log: string): Promise<Record<string, string | null>[]> =>
  (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, string | null>);

const quick = (log: string, extra: Partial<SpeedOptions> = {}): SpeedOptions => ({
  workloads: ['rec-mlp', 'talking-step'],
  steps: 2,
  warmup: 0,
  seed: 0,
  batch: 8,
  rounds: 2,
  pytorch: true,
  allowLoad: true,
  python,
  cpuinfo: AVX512,
  env: { ...process.env, OPENBLAS_CORETYPE: 'Prescott', OPENBLAS_L2_SIZE: '262144', FAKE_LOG: log },
  ...extra,
});

test('runs interleave tfjs and each PyTorch setup, round after round', () => {
  assert.deepEqual(runOrder(3, ['a', 'b']), ['tfjs', 'a', 'b', 'tfjs', 'a', 'b', 'tfjs', 'a', 'b']);
  assert.deepEqual(runOrder(2, []), ['tfjs', 'tfjs']);
});

test("PyTorch as installed runs without the environment's OpenBLAS variables, both unset; tuned sets the core type alone", () => {
  const env = { PATH: '/bin', OPENBLAS_L2_SIZE: '262144' };
  const [installed, tuned] = pytorchSetups(env, 'Zen');
  assert.deepEqual(installed, { framework: 'pytorch', openblas: {}, env: { PATH: '/bin' } });
  assert.deepEqual(tuned, {
    framework: 'pytorch-tuned',
    openblas: { OPENBLAS_CORETYPE: 'Zen' },
    env: { PATH: '/bin', OPENBLAS_CORETYPE: 'Zen' },
  });
  assert.deepEqual(env, { PATH: '/bin', OPENBLAS_L2_SIZE: '262144' }, 'the given environment is left alone');
  assert.deepEqual(
    pytorchSetups({ OPENBLAS_CORETYPE: 'Haswell' }, undefined).map((s) => [s.framework, s.env]),
    [['pytorch', {}]],
    'without a known core type there is no tuned run',
  );
});

test('bench speed with a (fake) PyTorch: interleaved runs, their environments, kernels, medians, GFLOP/s and ratios', async () => {
  const log = join(dir, 'runs.jsonl');
  const runs: string[] = [];
  const result = await runSpeedBench('wasm', {
    ...quick(log),
    onRun: (framework, round) => runs.push(`${framework} ${round}`),
  });
  assert.deepEqual(runs, [
    'tfjs 1',
    'pytorch 1',
    'pytorch-tuned 1',
    'tfjs 2',
    'pytorch 2',
    'pytorch-tuned 2',
  ]);
  assert.deepEqual(result.order, ['tfjs', 'pytorch', 'pytorch-tuned', 'tfjs', 'pytorch', 'pytorch-tuned']);
  const installed = {
    script: 'pytorch_speed.py',
    OPENBLAS_CORETYPE: null,
    OPENBLAS_L2_SIZE: null,
    threads: String(availableParallelism()),
  };
  const tuned = { ...installed, OPENBLAS_CORETYPE: 'SkylakeX' };
  const logged = await fakeRuns(log);
  assert.deepEqual(logged, [installed, tuned, installed, tuned]);
  assert.ok(result.pytorch && 'setups' in result.pytorch, JSON.stringify(result.pytorch));
  assert.deepEqual(
    result.pytorch.setups.map(({ framework, openblas, blas }) => ({ framework, openblas, blas })),
    [
      {
        framework: 'pytorch',
        openblas: {},
        blas: { library: 'libblas.so.3', openblas: true, coretype: 'Prescott', config: 'fake' },
      },
      {
        framework: 'pytorch-tuned',
        openblas: { OPENBLAS_CORETYPE: 'SkylakeX' },
        blas: { library: 'libblas.so.3', openblas: true, coretype: 'SkylakeX', config: 'fake' },
      },
    ],
  );
  assert.equal(result.machine.coreType, 'SkylakeX');
  assert.deepEqual(
    result.rows.map((r) => [r.workload, r.framework, r.rounds, r.steps, r.batch]),
    [
      ['rec-mlp', 'tfjs', 2, 2, 8],
      ['talking-step', 'tfjs', 2, 2, 8],
      ['rec-mlp', 'pytorch', 2, 2, 8],
      ['rec-mlp', 'pytorch-tuned', 2, 2, 8],
    ],
  );
  const [ours, , , best] = result.rows;
  assert.deepEqual([best.msPerStep, best.spread, best.roundMedians], [1, [1, 1], [1, 1]]);
  assert.equal(ours.roundMedians.length, 2);
  assert.ok(ours.spread[0] <= ours.msPerStep && ours.msPerStep <= ours.spread[1], JSON.stringify(ours));
  const flops = 6 * 8 * (128 * 256 + 256 * 128 + 128 * 64 + 64);
  assert.deepEqual(result.flops['rec-mlp'], { matmul: flops, conv: 0 });
  assert.deepEqual(best.gflops, { matmul: flops / 1e6, conv: 0 });
  assert.equal(result.rows[1].gflops, undefined, 'talking-step is not counted');
  assert.deepEqual(result.ratios, { 'rec-mlp': { ratio: ours.msPerStep, against: 'pytorch-tuned' } });
  assert.equal(result.talkingOverTeacher, result.rows[1].msPerStep / ours.msPerStep);
  assert.ok(result.simdPeak && result.simdPeak.gflopsOneCore > 0.1, JSON.stringify(result.simdPeak));
});

test('without --allow-load a ratio is given exactly when the machine was quiet; PyTorch takes the threads asked for', async () => {
  const log = join(dir, 'quiet.jsonl');
  const result = await runSpeedBench('wasm', quick(log, { allowLoad: false, rounds: 1, pytorchThreads: 1 }));
  assert.equal(result.ratios === undefined, result.loadProblem !== undefined, JSON.stringify(result.machine));
  assert.equal(result.ratioWithheld !== undefined, result.loadProblem !== undefined);
  const threads = (await fakeRuns(log)).map((run) => run.threads);
  assert.deepEqual(threads, ['1', '1']);
  assert.ok(result.pytorch && 'threads' in result.pytorch && result.pytorch.threads === 1);
});

test('a PyTorch that cannot run is reported, and tfjs is still measured', async () => {
  const options = quick(join(dir, 'failed.jsonl'));
  const result = await runSpeedBench('wasm', { ...options, env: { ...options.env, FAKE_FAIL: '1' } });
  assert.ok(result.pytorch && 'error' in result.pytorch);
  assert.match(result.pytorch.error, /PyTorch could not run .*No module named torch.*--python/);
  assert.deepEqual(result.order, ['tfjs', 'tfjs']);
  assert.equal(result.ratios, undefined);
});

test(
  'with the real PyTorch, a --batch override reaches it too, and the report names its BLAS kernel',
  { skip: torchMissing && 'python3-torch is not installed for /usr/bin/python3' },
  async () => {
    const result = await runSpeedBench('wasm', {
      workloads: ['rec-mlp'],
      steps: 1,
      warmup: 0,
      seed: 0,
      batch: 8,
      rounds: 1,
      pytorch: true,
      allowLoad: true,
    });
    assert.ok(result.pytorch && 'setups' in result.pytorch, JSON.stringify(result.pytorch));
    for (const setup of result.pytorch.setups) {
      assert.ok(setup.blas.library.length > 0, JSON.stringify(setup));
      if (setup.blas.openblas && setup.openblas.OPENBLAS_CORETYPE) {
        assert.equal(setup.blas.coretype, setup.openblas.OPENBLAS_CORETYPE);
      }
    }
    assert.deepEqual(
      result.rows.map(({ workload, framework, batch }) => [workload, framework, batch]).slice(0, 2),
      [
        ['rec-mlp', 'tfjs', 8],
        ['rec-mlp', 'pytorch', 8],
      ],
    );
  },
);
