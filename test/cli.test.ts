import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { METHOD_NAMES, methodsFor } from '../src/distill/methods/registry.js';
import { resolveThreads } from '../src/engine/backend.js';
import { CONTROLS } from '../src/experiments/method_list.js';

const run = runCli;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tm-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('bench speed runs every workload and writes the JSON of experiments.md', async () => {
  const out = join(dir, 'speed.json');
  const { stdout } = await run([
    'bench',
    'speed',
    '--backend',
    'wasm',
    '--workloads',
    'rec-mlp,cnn,talking-step',
    '--steps',
    '2',
    '--warmup',
    '1',
    '--batch',
    '8',
    '--out',
    out,
  ]);
  assert.match(stdout, new RegExp(`^backend: wasm, ${resolveThreads()} threads?$`, 'm'));
  const result = JSON.parse(await readFile(out, 'utf8'));
  assert.equal(result.suite, 'speed');
  assert.equal(result.backend, 'wasm');
  assert.deepEqual(
    result.rows.map((r: { workload: string }) => r.workload),
    ['rec-mlp', 'cnn', 'talking-step'],
  );
  for (const row of result.rows) {
    assert.ok(
      row.msPerStep > 0 && row.samplesPerSecond > 0 && row.steps === 2 && row.batch === 8,
      JSON.stringify(row),
    );
  }
});

test('bench speed on the cpu backend says so, and its JSON says which machine and load it ran under', async () => {
  const out = join(dir, 'cpu.json');
  const { stdout } = await run([
    'bench',
    'speed',
    '--backend',
    'cpu',
    '--workloads',
    'rec-mlp',
    '--steps',
    '2',
    '--warmup',
    '1',
    '--batch',
    '4',
    '--out',
    out,
  ]);
  assert.match(stdout, /^backend: cpu$/m);
  assert.match(stdout, /rec-mlp\s+tfjs/);
  assert.match(stdout, /^machine: \d+ cpus.*, load average [\d.]+ before, [\d.]+ at most, [\d.]+ after/m);
  const result = JSON.parse(await readFile(out, 'utf8'));
  assert.equal(result.backend, 'cpu');
  assert.deepEqual(
    result.rows.map(({ workload, framework, steps, batch }: Record<string, unknown>) => ({
      workload,
      framework,
      steps,
      batch,
    })),
    [{ workload: 'rec-mlp', framework: 'tfjs', steps: 2, batch: 4 }],
  );
  assert.ok(result.machine.cpus >= 1 && result.machine.loadAfter >= 0, JSON.stringify(result.machine));
  assert.match(result.tfjs, /^\d+\.\d+\.\d+$/);
});

test('bad arguments give one clear line and a failing exit code', async () => {
  await assert.rejects(
    run(['bench', 'speed', '--workloads', 'nope', '--steps', '1']),
    (e: { stderr: string; code: number }) => {
      assert.equal(e.code, 1);
      assert.match(
        e.stderr,
        /Unknown workload "nope"; expected one of rec-mlp, cnn, talking-step, student-step/,
      );
      assert.ok(e.stderr.length < 500, e.stderr);
      return true;
    },
  );
  await assert.rejects(
    run(['bench', 'speed', '--steps', 'zero']),
    /--steps must be a whole number >= 1, got "zero"/,
  );
  await assert.rejects(
    run(['bench', 'speed', '--backend', 'gpu']),
    /argument 'gpu' is invalid. Allowed choices are auto, tensorflow, wasm, cpu/,
  );
});

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

test('--version, and help that lists allowed values and defaults and names only files in the repository', async () => {
  const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal((await run(['--version'])).stdout.trim(), version);
  const help = async (...command: string[]) =>
    (await run([...command, '--help'])).stdout.replace(/\s+/g, ' ');
  const e1 = await help('run', 'movielens-genre');
  // Every method of the registry, and by default those for ratings (no dkd).
  assert.ok(e1.includes(`--methods <list> comma-separated methods (${METHOD_NAMES.join(', ')})`), e1);
  assert.ok(e1.includes(`(default: ${[...methodsFor('regression'), ...CONTROLS].join(',')})`), e1);
  assert.match(
    e1,
    /--genres <list> comma-separated genres \(default: Action,Comedy,Drama,Horror,Romance,Sci-Fi\)/,
  );
  assert.match(e1, /choices: "ml-100k", "ml-1m", "ml-latest-small", "ml-latest"/);
  assert.match(e1, /--seeds <n> seeds per cell \(default: 5\)/);
  const e2 = await help('run', 'image-transfer');
  assert.match(e2, /\(default: airplane,automobile,bird,cat,deer\)/);
  assert.match(e2, /--per-class <k> labelled downstream images per class \(default: 500\)/);
  const texts = [await help(), await help('run'), e1, e2, await help('bench', 'speed')];
  const files = texts.join('\n').match(/[\w./-]+\.(?:md|json|ts|py)\b|(?:docs|src)\/[\w./-]+/g) ?? [];
  const named = files.filter(
    (file) => !/^(?:results|report|s)\.json$|^report\.md$/.test(file.replace(/^.*\//, '')),
  );
  assert.ok(named.length > 0);
  for (const file of named)
    assert.ok(existsSync(join(repoRoot, file)), `help names ${file}, not in the repository`);
});
