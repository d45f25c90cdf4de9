import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpeedResult, SpeedRow } from '../bench/speed.js';
import { speedTable } from './bench.js';

const row = (framework: SpeedRow['framework'], msPerStep: number): SpeedRow => ({
  workload: 'rec-mlp',
  framework,
  msPerStep,
  spread: [msPerStep - 1, msPerStep + 1],
  roundMedians: [msPerStep - 1, msPerStep, msPerStep + 1],
  samplesPerSecond: 1000,
  steps: 20,
  rounds: 3,
  batch: 1024,
  gflops: { matmul: 12.5, conv: 0 },
});

const result = (extra: Partial<SpeedResult>): SpeedResult => ({
  suite: 'speed',
  backend: 'wasm',
  threads: 2,
  started: '',
  tfjs: '4.22.0',
  node: 'v20',
  machine: { cpus: 2, coreType: 'Zen', loadBefore: 1.6, loadMax: 2, loadAfter: 1.9, othersPerCore: 0.6 },
  flops: {},
  rows: [row('tfjs', 30), row('pytorch', 20), row('pytorch-tuned', 10)],
  order: ['tfjs', 'pytorch', 'pytorch-tuned'],
  pytorch: {
    version: '1.13',
    threads: 2,
    mkldnn: true,
    setups: [
      { framework: 'pytorch', openblas: {}, blas: { library: 'libblas.so.3', openblas: false } },
      {
        framework: 'pytorch-tuned',
        openblas: { OPENBLAS_CORETYPE: 'Zen' },
        blas: { library: 'libblas.so.3', openblas: true, coretype: 'Zen', config: '' },
      },
    ],
  },
  ...extra,
});

test('the table says which kernels PyTorch ran, the load, and withholds ratios on a busy machine', () => {
  const text = speedTable(
    result({ loadProblem: 'the load average was high', ratioWithheld: 'the machine was busy' }),
  );
  assert.match(text, /^tfjs on wasm, 2 threads$/m);
  assert.match(text, /^rec-mlp\s+tfjs\s+30\.0\s+29\.0-31\.0\s+1000\s+12\.5 \/ -$/m);
  assert.match(text, /^ {2}pytorch: no OpenBLAS variables, not OpenBLAS \(libblas\.so\.3\)$/m);
  assert.match(text, /^ {2}pytorch-tuned: OPENBLAS_CORETYPE=Zen, OpenBLAS kernel Zen$/m);
  assert.match(
    text,
    /load average 1\.60 before, 2\.00 at most, 1\.90 after; other processes used 0\.60 of each core/,
  );
  assert.match(text, /^busy machine: the load average was high$/m);
  assert.match(text, /^no ratios: they need a quiet machine/m);
  assert.doesNotMatch(text, /\(pytorch-tuned\)$/m);
});

test('on a quiet machine each tfjs row gives its ratio to the fastest PyTorch setup', () => {
  const text = speedTable(
    result({ ratios: { 'rec-mlp': { ratio: 3, against: 'pytorch-tuned' } }, talkingOverTeacher: 1.4 }),
  );
  assert.match(text, /^talking-step takes 1\.40x a rec-mlp \(teacher\) step, both tfjs$/m);
  assert.match(text, /^rec-mlp\s+tfjs .* 3\.00 \(pytorch-tuned\)$/m);
  assert.doesNotMatch(text, /busy machine|no ratios/);
});

test('on wasm the table gives the SIMD peak and how much of it each workload reaches', () => {
  const text = speedTable(result({ simdPeak: { gflopsOneCore: 25, runs: 7, turns: 1000 } }));
  assert.match(
    text,
    /^wasm SIMD peak \(f32x4 multiply then add, no memory\): 25\.0 GFLOP\/s on one core, 50\.0 on 2; tfjs's products and convolutions reach 25% of it in rec-mlp$/m,
  );
});
