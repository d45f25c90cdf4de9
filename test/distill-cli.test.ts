import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { tf, initBackend, saveModel } from '../src/index.js';
import { makeCsv } from '../examples/make-csv.js';
import { runCli } from './support/cli.js';
import { writeImageFolder } from './support/image_folder.js';
import { writeMovieLensFixture } from './support/movielens.js';

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));

/** The command lines of the README's command-line section, so that the README and this test agree. */
async function readmeCommands(): Promise<string[][]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme
    .split('## Distill your own models from the command line')[1]
    .split('```sh')[1]
    .split('```')[0];
  return section
    .split('\n')
    .filter((line) => line.startsWith('talking-models '))
    .map((line) => line.split(' ').slice(1));
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tm-distill-cli-'));
  await makeCsv(join(dir, 'data'));
});
after(() => rm(dir, { recursive: true, force: true }));

const run = (args: string[]) => runCli(args, { cwd: dir });

/** `talking: test rmse 0.45 (teacher 0.12, trivial 0.78); ...` -> the three numbers. */
function summary(stdout: string, method: string) {
  const match = stdout.match(
    new RegExp(`^${method}: test rmse ([\\d.]+) \\((?:teacher ([\\d.]+), )?trivial ([\\d.]+)\\)`, 'm'),
  );
  assert.ok(match, stdout);
  return {
    student: Number(match[1]),
    teacher: match[2] ? Number(match[2]) : undefined,
    trivial: Number(match[3]),
  };
}

test("the README's commands train a teacher, distill students with talking and kd, inspect and predict", async () => {
  const commands = await readmeCommands();
  assert.deepEqual(
    commands.map((c) => `${c[0]} ${c.includes('--method') ? c[c.indexOf('--method') + 1] : ''}`.trim()),
    ['train', 'inspect', 'distill talking', 'distill kd', 'predict'],
  );
  const outputs: Record<string, string> = {};
  for (const args of commands) {
    const { stdout } = await run(args);
    outputs[args.includes('--method') ? args[args.indexOf('--method') + 1] : args[0]] = stdout;
  }
  assert.match(outputs.train, /^trained: validation rmse [\d.]+ \(trivial [\d.]+\)/m);
  // The teacher's layers with the cut points a talking pair may name.
  assert.match(outputs.inspect, /^dense_1\s+Dense\s+\[batch, 64\]\s+cut, default 1st$/m);
  assert.match(outputs.inspect, /^dense_2\s+Dense\s+\[batch, 64\]\s+cut, default 2nd$/m);
  for (const method of ['talking', 'kd']) {
    const numbers = summary(outputs[method], method);
    assert.ok(numbers.student < 0.8 * numbers.trivial, JSON.stringify(numbers));
    assert.ok(numbers.teacher! < numbers.student, JSON.stringify(numbers));
    const model = JSON.parse(await readFile(join(dir, 'runs', method, 'model', 'model.json'), 'utf8'));
    const weights = `model/${model.weightsManifest[0].paths[0]}`;
    for (const file of [weights, 'metrics.jsonl', 'report.md', 'validation.svg'])
      assert.ok(existsSync(join(dir, 'runs', method, file)), `${method}/${file}`);
    const report = await readFile(join(dir, 'runs', method, 'report.md'), 'utf8');
    assert.match(
      report,
      new RegExp(`\\| student \\(mlp:16,16, ${method}\\) \\| ${numbers.student.toFixed(4)} \\|`),
    );
    assert.match(report, /\| teacher \| [\d.]+ \|/);
    const metrics = (await readFile(join(dir, 'runs', method, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    assert.ok(metrics.every((line) => JSON.parse(line).validation.metric === 'rmse'));
  }
  const predicted = (await readFile(join(dir, 'runs', 'predictions.csv'), 'utf8')).trim().split('\n');
  assert.equal(predicted[0], 'target,prediction');
  assert.equal(predicted.length, 401);
  const talking = summary(outputs.talking, 'talking').student;
  assert.match(outputs.predict, new RegExp(`rmse ${talking.toFixed(4)}; wrote runs/predictions.csv`));

  // The README's library example, as written, on the teacher the commands made.
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const snippet = readme.split('## Distill your own models\n')[1].split('```ts\n')[1].split('```')[0];
  // Inside the package folder, so that `from 'talking-models'` resolves to this package itself.
  const file = join(root, `.readme-example-${process.pid}.ts`);
  await writeFile(file, snippet);
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), file],
      { cwd: dir, maxBuffer: 1 << 24 },
    );
    assert.match(stdout, /^backend: (wasm|tensorflow)$/m);
    assert.ok(existsSync(join(dir, 'runs', 'student-model', 'model.json')));
  } finally {
    await rm(file, { force: true });
  }
});

/** Runs a command that must fail: one line of error, and no output folder. */
async function refused(args: string[], message: RegExp) {
  const out = join(dir, 'refused');
  await assert.rejects(run([...args, '--out', out]), (error: Error & { stderr: string; code: number }) => {
    assert.equal(error.code, 1);
    const lines = error.stderr.trim().split('\n');
    assert.equal(lines.length, 1, error.stderr);
    assert.match(lines[0], message);
    return true;
  });
  assert.ok(!existsSync(out), 'an output folder was left behind');
}

const distill = (data: string, extra: string[] = []) => [
  'distill',
  '--teacher',
  'wide-teacher',
  '--data',
  data,
  '--target',
  'y',
  '--task',
  'regression',
  '--student',
  'mlp:8,8',
  '--epochs',
  '1',
  ...extra,
];

/** A teacher for four features, untrained: these tests need its shapes, not its knowledge. */
async function saveUntrainedTeacher() {
  await initBackend('cpu');
  const teacher = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu' }),
      tf.layers.dense({ units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  await saveModel(teacher, join(dir, 'wide-teacher'));
}

test('--resume continues a run in its folder; other settings, or a used folder without --resume, are refused', async () => {
  await saveUntrainedTeacher();
  const out = join(dir, 'resumed');
  const args = [...distill('csv:data/labelled.csv', ['--test', 'csv:data/test.csv']), '--out', out];
  const first = summary((await run(args)).stdout, 'talking');
  const again = await run([...args, '--resume']);
  assert.match(again.stdout, /student: finished before, restored from/);
  assert.deepEqual(summary(again.stdout, 'talking'), first);
  await assert.rejects(
    run(args),
    /--out .*resumed: the folder exists and is not empty; use another --out, or --resume/,
  );
  await assert.rejects(
    run([...args, '--epochs', '2', '--resume']),
    /resumed\/run\.json: --resume with other settings than the run in this folder/,
  );
});

test('bad inputs: each a one-line error naming the file and what was expected, and no output folder', async () => {
  await saveUntrainedTeacher();
  await writeFile(join(dir, 'text.csv'), 'x0,x1,x2,x3,y\n1,2,3,4,5\n1,red,3,4,5\n');
  await writeFile(join(dir, 'empty.csv'), '');
  await writeFile(join(dir, 'three.csv'), 'x0,x1,x2,y\n1,2,3,4\n5,6,7,8\n1,2,3,4\n5,6,7,8\n1,2,3,4\n');
  await refused(
    distill('csv:data/labelled.csv', ['--target', 'z']),
    /^talking-models: data\/labelled\.csv: no target column "z"; the header has "x0", "x1", "x2", "x3", "y"$/,
  );
  await refused(
    distill('csv:text.csv'),
    /^talking-models: text\.csv line 3: column "x1" is not numeric \("red"\); expected a number/,
  );
  await refused(
    distill('csv:empty.csv'),
    /^talking-models: empty\.csv: empty; expected a header line of column names and rows of numbers$/,
  );
  await refused(
    distill('csv:three.csv'),
    /^talking-models: wide-teacher: the teacher does not fit the data: csv:three\.csv\.inputs\[0\]: examples of shape \[3\], but the teacher's input "\w+" takes \[4\] \(3 feature columns: x0, x1, x2\)$/,
  );
  await refused(
    distill('csv:data/labelled.csv', ['--student', 'mlp:8,x']),
    /^talking-models: --student "mlp:8,x": expected mlp:WIDTHS \(e\.g\. mlp:64,32\), cnn:WIDTHS/,
  );
});

test('folder: and movielens: data train, distill and predict with the cnn and recommender presets', async () => {
  await writeImageFolder(join(dir, 'images'), { train: 10, test: 4 });
  const images = [
    '--data',
    'folder:images',
    '--task',
    'classification',
    '--epochs',
    '2',
    '--batch-size',
    '8',
  ];
  await run(['train', ...images, '--model', 'cnn:4,8', '--out', 'runs/image-teacher']);
  const { stdout } = await run([
    'distill',
    ...images,
    '--teacher',
    'runs/image-teacher',
    '--student',
    'cnn:4',
    '--method',
    'kd',
    '--out',
    'runs/image-kd',
  ]);
  // Four classes of 4 test images each; the teacher's metric is given since its classes are the task's.
  assert.match(stdout, /^kd: test accuracy [\d.]+ \(teacher [\d.]+, trivial 0\.2500\)/m);
  const images16 = await run([
    'predict',
    '--model',
    'runs/image-kd',
    '--data',
    'folder:images',
    '--out',
    'runs/images.csv',
  ]);
  assert.match(images16.stdout, /predicted folder:images test\/ \(16 images\): accuracy [\d.]+/);
  const classes = (await readFile(join(dir, 'runs', 'images.csv'), 'utf8')).trim().split('\n').slice(1);
  assert.equal(classes.length, 16);
  assert.ok(
    classes.every((line) => /^[0-3],[0-3]$/.test(line)),
    classes.join(' '),
  );

  const movielens = join(await writeMovieLensFixture(join(dir, 'ml'), 'ml-100k'), 'ml-100k');
  const ratings = ['--data', `movielens:${movielens}`, '--task', 'regression', '--epochs', '2'];
  const trained = await run(['train', ...ratings, '--model', 'recommender:4:8', '--out', 'runs/ml-model']);
  assert.match(trained.stdout, /^trained: test rmse [\d.]+ \(trivial [\d.]+\)/m);
  const predicted = await run([
    'predict',
    '--model',
    'runs/ml-model',
    '--data',
    `movielens:${movielens}`,
    '--out',
    'runs/ml.csv',
  ]);
  assert.match(predicted.stdout, /test split \(300 ratings\): rmse [\d.]+/);
  await assert.rejects(
    run([
      'train',
      ...ratings.slice(0, 2),
      '--task',
      'classification',
      '--model',
      'mlp:4',
      '--out',
      'runs/no',
    ]),
    /--task classification: movielens:.* holds ratings; expected --task regression/,
  );
});
