import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveThreads } from '../src/engine/backend.js';
import { runCli } from './support/cli.js';
import { writeImageFolder } from './support/image_folder.js';
import { kdAndFollowerTuning } from './support/tuning.js';
import { skipWithoutRealData } from './support/real_data.js';

let root: string;
let data: string;
let configFile: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-e2-'));
  data = join(root, 'images');
  await writeImageFolder(data, { train: 14, test: 5 });
  configFile = join(root, 'tiny.json');
  // Tiny nets and batches keep the seven methods to seconds; the pipeline is the one of CIFAR.
  const training = { batchSize: 8, optimizer: { name: 'adam', learningRate: 0.01 } };
  const tiny = {
    teacher: { widths: [4, 8], blocksPerStage: 1 },
    student: { widths: [2, 4], blocksPerStage: 1 },
    assistant: { widths: [3, 6], blocksPerStage: 1 },
    teacherTraining: training,
    training,
  };
  await writeFile(configFile, JSON.stringify(tiny));
  await writeFile(join(root, 'cifar.json'), JSON.stringify({ ...tiny, teacherPerClass: 30 }));
  await writeFile(join(root, 'tuned.json'), JSON.stringify({ ...tiny, tuning: kdAndFollowerTuning }));
});
after(() => rm(root, { recursive: true, force: true }));

const common = (out: string, extra: string[] = [], tuning = false) => [
  'run',
  'image-transfer',
  '--backend',
  'wasm',
  '--dataset',
  `folder:${data}`,
  '--source-classes',
  'ant,bee',
  '--target-classes',
  'cat,dog',
  '--per-class',
  '10',
  '--config',
  configFile,
  '--cache-dir',
  join(root, 'cache'),
  '--epochs',
  '2',
  '--out',
  out,
  ...(tuning ? [] : ['--no-tuning']),
  ...extra,
];

test('every method runs on an image folder; results, report and plots are written; --resume recomputes nothing', async () => {
  const out = join(root, 'all');
  const first = await runCli(common(out, ['--seeds', '2']));
  assert.match(first.stdout, /pre-training the teacher on \d+ images of ant, bee/);
  assert.match(first.stdout, /student main epoch 2: loss \d/, 'a line an epoch when not on a terminal');
  const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  assert.equal(result.suite, 'image-transfer');
  assert.equal(result.rows.length, 20, '10 methods (with the two controls) x 2 seeds');
  assert.deepEqual(
    [...new Set(result.rows.map((r: { method: string }) => r.method))],
    [
      'student',
      'kd',
      'fitnet',
      'rkd',
      'dkd',
      'takd',
      'talking',
      'talking+kd',
      'talking-random-teacher',
      'kd-random-teacher',
    ],
  );
  for (const row of result.rows) {
    assert.equal(row.metric, 'accuracy');
    assert.equal(row.task, 'cat+dog');
    assert.ok(row.value >= 0 && row.value <= 1 && row.epochs === 2, JSON.stringify(row));
  }
  // One teacher head per teacher and seed, read by every method that learns from it.
  for (const seed of [0, 1]) {
    const head = (method: string) =>
      result.rows.find((r: { method: string; seed: number }) => r.method === method && r.seed === seed)
        .preliminary['teacher head'];
    assert.ok(head('kd') >= 0 && head('kd') <= 1, `seed ${seed}: kd's head is reported`);
    for (const method of ['dkd', 'takd', 'talking+kd'])
      assert.equal(head(method), head('kd'), `${method}, seed ${seed}`);
  }
  assert.equal(
    (await readdir(join(out, 'shared-fits'))).length,
    4,
    'a head for the pre-trained and one for the random teacher, per seed',
  );
  assert.equal(result.teacher.metric, 'accuracy');
  assert.ok(result.teacher.value > 0.5, `the teacher learns its two colours: ${result.teacher.value}`);
  assert.match(result.teacher.on, /source classes \(ant, bee\)/);
  const report = await readFile(join(out, 'report.md'), 'utf8');
  assert.match(report, /\| cat\+dog \| – \| /, 'no teacher figure on classes it does not know');
  assert.match(
    report,
    /Teacher test accuracy on all test images of its source classes \(ant, bee\): \d\.\d{4}/,
  );
  for (const svg of ['differences-to-student.svg', 'learning-curves.svg'])
    assert.match(await readFile(join(out, svg), 'utf8'), /^<svg[\s\S]*<\/svg>$/);

  const again = await runCli(common(out, ['--seeds', '2', '--resume']));
  assert.match(again.stdout, /reusing the pre-trained teacher/);
  assert.equal((again.stdout.match(/done before, kept/g) ?? []).length, 20);
  assert.deepEqual(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).rows, result.rows);
});

test('--jobs 2 tunes, then trains the rows, in two worker processes with the same results as one process', async () => {
  const methods = [
    '--methods',
    'student,kd,talking+kd',
    '--seeds',
    '1',
    '--config',
    join(root, 'tuned.json'),
  ];
  const one = join(root, 'one');
  const two = join(root, 'two');
  await runCli(common(one, methods, true));
  const parallel = await runCli(common(two, [...methods, '--jobs', '2'], true));
  assert.match(
    parallel.stdout,
    new RegExp(`^backend: wasm, ${resolveThreads()} threads?$`, 'm'),
    'the parent trains the teacher on every core, as no worker runs then',
  );
  assert.match(parallel.stdout, /\[worker 0\] backend: wasm, 1 thread \(worker 0 of 2\)/);
  assert.match(
    parallel.stdout,
    /\[worker \d\] .*talking_kd_none__cat_dog__seed0: validation accuracy/,
    "talking+kd's candidate, in the stage after kd's",
  );
  assert.match(parallel.stdout, /tuned talking\+kd: reading = none \(with kd's alpha = 0\.(25|9)\)/);
  assert.match(
    parallel.stdout,
    /\[worker \d\] .*kd_0\.9__cat_dog__seed0: validation accuracy/,
    'a tuning cell shows the validation metric that chooses',
  );
  assert.match(
    parallel.stdout,
    /\[worker \d\] .*kd__cat_dog__seed0: test accuracy \S+ \(taken from the tuning cell kd@0\.(25|9), not trained again\)/,
  );
  assert.doesNotMatch(parallel.stdout, /done before, kept/, 'the workers just ran every cell');
  const result = async (out: string) => {
    const { rows, tuning } = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    const untimed = ({ seconds: _, ...rest }: { seconds: number }) => rest;
    return { rows: rows.map(untimed), choices: tuning.choices.map(untimed) };
  };
  const [single, double] = [await result(one), await result(two)];
  assert.deepEqual(double, single);
  assert.deepEqual(
    single.choices.map((c: { method: string; candidates: unknown[]; follows?: string }) => [
      c.method,
      c.candidates.length,
      c.follows,
    ]),
    [
      ['kd', 2, undefined],
      ['talking+kd', 1, `kd's alpha = ${single.choices[0].chosen}`],
    ],
  );
});

test('bad class lists and folders are refused with what was expected', async () => {
  await assert.rejects(
    runCli(common(join(root, 'bad'), ['--target-classes', 'bee,dog'])),
    /targetClasses: bee also in sourceClasses/,
  );
  await assert.rejects(
    runCli(common(join(root, 'bad'), ['--target-classes', 'cat,owl'])),
    /owl.*missing \(class "owl" has no folder in split "train"\)/,
  );
  await assert.rejects(
    runCli([...common(join(root, 'bad')), '--dataset', `folder:${join(root, 'nowhere')}`]),
    /nowhere\/train.*missing/,
  );
  await assert.rejects(
    runCli([...common(join(root, 'bad')), '--dataset', 'imagenet']),
    /"cifar10" or "folder:PATH"/,
  );
});

test(
  'the same command reads the CIFAR-10 batches',
  { skip: skipWithoutRealData('cifar-10-batches-bin') },
  async () => {
    const dir = process.env.TALKING_MODELS_DATA_DIR!;
    if (!existsSync(join(dir, 'cifar-10-batches-bin'))) return;
    const out = join(root, 'cifar');
    await runCli([
      ...common(out, ['--methods', 'student,talking', '--seeds', '1', '--per-class', '10']),
      '--dataset',
      'cifar10',
      '--source-classes',
      'airplane,automobile',
      '--target-classes',
      'ship,truck',
      '--config',
      join(root, 'cifar.json'),
    ]);
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.equal(result.dataset, 'cifar10');
    assert.equal(result.rows.length, 2);
  },
);
