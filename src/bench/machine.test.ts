import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProblem, openblasCoreType, othersPerCore } from './machine.js';

const cpuinfo = (vendor: string, flags: string) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\nflags\t\t: fpu sse sse2 ${flags}\n\nprocessor\t: 1\n`;

test('the OpenBLAS core type follows the CPU flags and vendor', () => {
  const avx512 = 'avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl';
  assert.equal(openblasCoreType(cpuinfo('GenuineIntel', avx512)), 'SkylakeX');
  assert.equal(openblasCoreType(cpuinfo('GenuineIntel', 'avx avx2 fma avx512f')), 'Haswell');
  assert.equal(openblasCoreType(cpuinfo('AuthenticAMD', 'avx avx2 fma')), 'Zen');
  assert.equal(openblasCoreType(cpuinfo('GenuineIntel', 'avx avx2 fma')), 'Haswell');
  assert.equal(openblasCoreType(cpuinfo('GenuineIntel', 'avx')), 'Sandybridge');
  assert.equal(openblasCoreType(cpuinfo('GenuineIntel', 'sse4_2')), undefined);
  assert.equal(openblasCoreType(''), undefined);
});

test('ratios are refused above 0.5 load per core, before or (from others) during the run', () => {
  assert.equal(loadProblem({ cpus: 2, loadBefore: 1.0 }), undefined);
  assert.match(
    loadProblem({ cpus: 2, loadBefore: 1.01 }) ?? '',
    /1\.01 on 2 cpus \(0\.51 per core, above 0\.5\)/,
  );
  assert.equal(loadProblem({ cpus: 2, loadBefore: 0.2, othersPerCore: 0.5 }), undefined);
  assert.match(
    loadProblem({ cpus: 2, loadBefore: 0.2, othersPerCore: 0.7 }) ?? '',
    /other processes used 0\.70/,
  );
});

test("others' share leaves out this process's own CPU time and its children's", () => {
  const before = { busy: 100, total: 1000, own: 50 };
  assert.equal(othersPerCore(before, { busy: 600, total: 2000, own: 450 }), 0.1);
  assert.equal(othersPerCore(before, { busy: 600, total: 2000, own: 550 }), 0);
  assert.equal(othersPerCore(before, before), 0);
});
