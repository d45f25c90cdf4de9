import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliArgs, runCli } from './support/cli.js';
import { writeMovieLensFixture } from './support/movielens.js';
import { kdAndFollowerTuning } from './support/tuning.js';

const run = runCli;
const cli = cliArgs;

let root: string;
let data: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-e1-'));
  data = await writeMovieLensFixture(join(root, 'data'), 'ml-100k');
});
after(() => rm(root, { recursive: true, force: true }));

const common = (out: string) => [
  'run',
  'movielens-genre',
  '--backend',
  'wasm',
  '--data-dir',
  data,
  '--cache-dir',
  join(root, 'cache'),
  '--genres',
  'Action,Comedy',
  '--methods',
  'student,kd,talking',
  '--seeds',
  '2',
  '--epochs',
  '2',
  '--no-tuning',
  '--out',
  out,
];

test('a run writes results.json, report.md and plots; --resume recomputes nothing', async () => {
  const out = join(root, 'e1');
  const first = await run(common(out));
  assert.match(first.stdout, /pre-training the teacher/);
  const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  assert.equal(result.suite, 'movielens-genre');
  assert.equal(result.dataset, 'ml-100k');
  assert.equal(result.backend, 'wasm');
  assert.equal(result.rows.length, 12);
  assert.equal(result.summary.length, 6);
  for (const row of result.rows)
    assert.ok(
      row.metric === 'rmse' && row.value > 0 && row.value < 4 && row.epochs >= 1,
      JSON.stringify(row),
    );
  assert.ok(result.summary.every((s: { n: number }) => s.n === 2));
  assert.ok(result.teacher.value > 0 && result.teacher.byTask.Action > 0);
  const report = await readFile(join(out, 'report.md'), 'utf8');
  assert.match(report, /\| task \| teacher \| student \| kd \| talking \|/);
  assert.match(report, /\*\*\d\.\d{4} ± \d\.\d{4}\*\*/, 'the best of a row is bold');
  assert.match(report, /\(-?\d+\.\d%\)/, 'changes against student');
  assert.match(
    report,
    /`talking` against the best other method, `\w+`: lead [-+]0\.\d{4} \[[-+]0\.\d{4}, [-+]0\.\d{4}\] over 4 task-seed pairs/,
  );
  for (const svg of ['differences-to-student.svg', 'learning-curves.svg']) {
    assert.match(await readFile(join(out, svg), 'utf8'), /^<svg[\s\S]*<\/svg>$/);
  }
  // E1's teacher predicts ratings as the student does: kd fits no head, so shares none.
  assert.ok(!existsSync(join(out, 'shared-fits')), 'no shared fit in E1');
  assert.ok(
    result.rows.every((r: { preliminary?: object }) => Object.keys(r.preliminary ?? {}).length === 0),
  );
  const again = await run([...common(out), '--resume']);
  assert.match(again.stdout, /reusing the pre-trained teacher/);
  assert.equal((again.stdout.match(/done before, kept/g) ?? []).length, 12);
  const rows = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).rows;
  assert.deepEqual(rows, result.rows);
  await assert.rejects(
    run([...common(out), '--seeds', '3', '--resume']),
    /holds a run of another configuration/,
  );
});

test('a run killed mid-way completes with --resume, keeping finished cells', async () => {
  const out = join(root, 'killed');
  const child = spawn(process.execPath, [...cli, ...common(out)], { stdio: 'ignore' });
  const cellsDir = join(out, 'cells');
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(cellsDir) && readdirSync(cellsDir).some((f) => f.endsWith('.json'))) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 50);
    child.on('exit', () => {
      clearInterval(poll);
      reject(new Error('the run ended before it could be killed'));
    });
  });
  const kept = readdirSync(cellsDir).length;
  const resumed = await run([...common(out), '--resume']);
  assert.ok((resumed.stdout.match(/done before, kept/g) ?? []).length >= kept);
  assert.equal(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).rows.length, 12);
});

test('--quick --shift: a teacher per genre that never saw its movies, reported per genre, in its own default folder', async () => {
  const cwd = join(root, 'shift-cwd');
  await mkdir(cwd);
  const cache = join(root, 'shift-cache');
  const { stdout } = await run(
    [
      ...['run', 'movielens-genre', '--backend', 'wasm', '--data-dir', data, '--cache-dir', cache],
      ...['--quick', '--shift', '--genres', 'Action,Comedy', '--methods', 'student,talking', '--epochs', '2'],
    ],
    { cwd },
  );
  // Each genre's teacher has E1's default members, 4.
  for (const genre of ['Action', 'Comedy'])
    for (const member of [1, 4])
      assert.match(
        stdout,
        new RegExp(
          `pre-training the teacher, member ${member} of 4 \\(training seed ${member - 1}\\), on \\d+ training ratings of every movie not flagged ${genre}`,
        ),
      );
  assert.equal(readdirSync(join(cache, 'teachers')).length, 2, 'one cached teacher per genre');
  const out = join(cwd, 'runs', 'movielens-genre-shift');
  const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  assert.equal(result.config.shift, true);
  assert.equal(result.rows.length, 4);
  const { byTask, value, on } = result.teacher;
  assert.deepEqual(Object.keys(byTask), ['Action', 'Comedy']);
  assert.ok(byTask.Action > 0 && byTask.Comedy > 0);
  assert.ok(Math.abs(value - (byTask.Action + byTask.Comedy) / 2) < 1e-12, 'the mean over genres');
  assert.match(on, /never saw the genre/);
  const report = await readFile(join(out, 'report.md'), 'utf8');
  assert.match(report, /^# E1-shift: MovieLens genres new to the teacher \(ml-100k, quick\)/);
  assert.match(report, new RegExp(`\\| Action \\| ${byTask.Action.toFixed(4)} \\|`));
  assert.match(report, new RegExp(`\\| Comedy \\| ${byTask.Comedy.toFixed(4)} \\|`));
  assert.doesNotMatch(report, /all test ratings/);
});

for (const dataset of ['ml-1m', 'ml-latest'] as const) {
  test(`the same command reads ${dataset} files`, async () => {
    const dir = await writeMovieLensFixture(join(root, `data-${dataset}`), dataset);
    const out = join(root, dataset);
    await run([
      'run',
      'movielens-genre',
      '--dataset',
      dataset,
      '--data-dir',
      dir,
      '--cache-dir',
      join(root, 'cache'),
      '--genres',
      'Drama',
      '--methods',
      'student,kd-random-teacher',
      '--seeds',
      '1',
      '--epochs',
      '2',
      '--out',
      out,
    ]);
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.equal(result.dataset, dataset);
    assert.deepEqual(
      result.rows.map((r: { method: string }) => r.method),
      ['student', 'kd-random-teacher'],
      'a control row is known without a variant',
    );
  });
}

test('an unknown method or genre is refused with the allowed values', async () => {
  await assert.rejects(
    run([
      'run',
      'movielens-genre',
      '--data-dir',
      data,
      '--methods',
      'student,telepathy',
      '--out',
      join(root, 'bad'),
    ]),
    /methods: "telepathy" is neither a method \(student, kd, fitnet, rkd, dkd, takd, talking, talking\+kd\) nor a variant \(talking-random-teacher, kd-random-teacher\)/,
  );
  await assert.rejects(
    run([
      'run',
      'movielens-genre',
      '--data-dir',
      data,
      '--cache-dir',
      join(root, 'cache'),
      '--genres',
      'Western',
      '--methods',
      'student',
      '--epochs',
      '1',
      '--out',
      join(root, 'bad2'),
    ]),
    /Unknown genre "Western" in ml-100k; expected one of unknown, Action, Comedy, Drama/,
  );
});

test('every cell gets the pristine teacher: a fine-tuning method changes neither later cells nor the teacher metric', async () => {
  const config = join(root, 'finetune.json');
  await writeFile(
    config,
    JSON.stringify({ variants: { 'talking-finetune': { name: 'talking', teacher: { mode: 'finetune' } } } }),
  );
  const runWith = async (methods: string, out: string) => {
    const flags = ['--config', config, '--genres', 'Action', '--methods', methods, '--seeds', '1'];
    await run([...common(out).slice(0, 8), ...flags, '--epochs', '2', '--out', out]);
    return JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  };
  const alone = await runWith('kd', join(root, 'kd-alone'));
  const after = await runWith('talking-finetune,kd', join(root, 'kd-after-finetune'));
  assert.deepEqual(after.teacher, alone.teacher);
  const kd = (result: { rows: { method: string; value: number }[] }) =>
    result.rows.find((row) => row.method === 'kd')!.value;
  assert.equal(kd(after), kd(alone));
});

test("a row at the tuning seed is its method's chosen tuning cell: equal to the row trained, and the run trains fewer cells", async () => {
  const config = join(root, 'reuse.json');
  await writeFile(config, JSON.stringify({ tuning: kdAndFollowerTuning }));
  const out = join(root, 'reuse');
  const args = [
    ...common(out).filter((a) => a !== '--no-tuning'),
    ...['--methods', 'student,kd,talking+kd,kd-random-teacher', '--config', config],
  ];
  const first = await run(args);
  // 6 candidates (kd 2 x 2 genres, talking+kd 1 x 2) and 16 rows, of which kd's and talking+kd's
  // at seed 0 are their tuning cells: 18 cells train instead of 22.
  assert.equal((first.stdout.match(/best epoch \d+ of \d+/g) ?? []).length, 18);
  const taken = first.stdout.match(
    /\S+: test RMSE \S+ \(taken from the tuning cell \S+, not trained again\)/g,
  );
  assert.deepEqual(
    taken?.map((line) => line.split(':')[0]).sort(),
    ['kd__Action__seed0', 'kd__Comedy__seed0', 'talking_kd__Action__seed0', 'talking_kd__Comedy__seed0'],
    'neither the control nor student (untuned) nor seed 1 is taken',
  );
  type Cell = { row: Record<string, unknown> & { value: number | null }; history: unknown[] };
  const cellFile = (id: string) => join(out, 'cells', `${id}.json`);
  const readCell = async (id: string) => JSON.parse(await readFile(cellFile(id), 'utf8')) as Cell;
  const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  const chosen = (m: string) =>
    result.tuning.choices.find((c: { method: string }) => c.method === m).chosen.replace(/[^\w.-]+/g, '_');
  const pairs = ['Action', 'Comedy'].flatMap((g) => [
    [`kd__${g}__seed0`, `kd_${chosen('kd')}__${g}__seed0`],
    [`talking_kd__${g}__seed0`, `talking_kd_${chosen('talking+kd')}__${g}__seed0`],
  ]);
  const reused = await Promise.all(pairs.map(([row]) => readCell(row)));
  assert.ok(reused.every((c) => typeof c.row.tuningCell === 'string' && c.row.value! > 0));

  // The same rows trained: their tuning cells lose the test metric (as cells written before
  // tuning cells recorded one), and the rows train again on --resume.
  for (const [row, tuningCell] of pairs) {
    const cell = await readCell(tuningCell);
    await writeFile(cellFile(tuningCell), JSON.stringify({ ...cell, row: { ...cell.row, value: null } }));
    await rm(cellFile(row));
  }
  const again = await run([...args, '--resume']);
  assert.equal((again.stdout.match(/best epoch \d+ of \d+/g) ?? []).length, 4, 'only those rows train');
  assert.doesNotMatch(again.stdout, /taken from the tuning cell/);
  for (const [index, [row]] of pairs.entries()) {
    const trained = await readCell(row);
    assert.equal(trained.row.tuningCell, undefined);
    const same = (c: Cell) => ({ ...c.row, seconds: 0, tuningCell: undefined });
    assert.deepEqual(same(trained), same(reused[index]), `${row}: validation, test, epochs, fits`);
    assert.deepEqual(trained.history, reused[index].history, `${row}: the learning curve`);
  }
});

/** The error of a run that must fail, with what it printed. */
const failure = (args: string[]) =>
  run(args).then(
    () => assert.fail(`succeeded: ${args.join(' ')}`),
    (error: Error & { stdout: string; stderr: string }) => error,
  );

test('a bad genre, method or config file fails before any training, naming what was wrong', async () => {
  const args = (extra: string[]) => [
    ...['run', 'movielens-genre', '--data-dir', data, '--cache-dir', join(root, 'untouched-cache')],
    ...['--epochs', '1', '--out', join(root, 'early'), ...extra],
  ];
  const genre = await failure(args(['--genres', 'Action,Westrn', '--methods', 'student']));
  assert.match(genre.stderr, /Unknown genre "Westrn" in ml-100k; expected one of/);
  const method = await failure(args(['--genres', 'Action', '--methods', 'student,dkd']));
  assert.match(method.stderr, /method "dkd": dkd is defined for classification only/);
  const tuningTask = await failure(args(['--genres', 'Action,Drama', '--tuning-tasks', 'Drama,Comedy']));
  assert.match(
    tuningTask.stderr,
    /Invalid movielens-genre config: tuning\.tasks: "Comedy" is not a task of this run; its tasks are Action, Drama/,
  );
  for (const { stdout } of [genre, method, tuningTask]) assert.doesNotMatch(stdout, /pre-training|epoch/);
  assert.ok(!existsSync(join(root, 'untouched-cache', 'teachers')), 'no teacher was trained or cached');

  const file = (name: string, text: string) => {
    const path = join(root, name);
    return writeFile(path, text).then(() => path);
  };
  const withConfig = async (path: string) => (await failure(args(['--config', path]))).stderr;
  assert.match(
    await withConfig(join(root, 'absent.json')),
    /absent\.json: cannot read the config file \(no such file\)/,
  );
  assert.match(
    await withConfig(await file('broken.json', '{"seeds": 2,')),
    /broken\.json: the config file is not valid JSON/,
  );
  assert.match(
    await withConfig(await file('typo.json', '{"seed": 2}')),
    /typo\.json: Invalid movielens-genre config:\n {2}seed: unknown field; expected one of dataset, split, .*seeds, teacher/,
  );
  assert.match(
    await withConfig(await file('variant.json', '{"variants": {"t": {"name": "talking", "mesageSize": 4}}}')),
    /variant\.json: Invalid movielens-genre config: variant "t": .*mesageSize: unknown field/s,
  );
});

test('an explicit --data-dir is authoritative: a missing file there fails, naming it, whatever TALKING_MODELS_DATA_DIR holds', async () => {
  const partial = await writeMovieLensFixture(join(root, 'partial'), 'ml-100k');
  await rm(join(partial, 'ml-100k', 'u1.base'));
  const error = await promisify(execFile)(
    process.execPath,
    [
      ...cli,
      'run',
      'movielens-genre',
      '--data-dir',
      partial,
      '--methods',
      'student',
      '--out',
      join(root, 'p'),
    ],
    { env: { ...process.env, TALKING_MODELS_DATA_DIR: data } },
  ).then(
    () => assert.fail('the run read another copy'),
    (e: Error & { stderr: string }) => e,
  );
  assert.match(
    error.stderr,
    /Dataset ml-100k in --data-dir \S*partial\/ml-100k is incomplete: u1\.base missing/,
  );
});
