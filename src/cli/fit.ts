import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { LayersModel } from '../engine/tf.js';
import { describeBackend, initBackend, type BackendRequest } from '../engine/backend.js';
import { distill } from '../distill/distill.js';
import { fileStorage, writeFileAtomic } from '../storage/files.js';
import { checkDistillInputs, checkFits } from '../distill/check_inputs.js';
import { evaluate, type Metric } from '../distill/evaluate.js';
import type { MethodConfig } from '../distill/methods/registry.js';
import type { TaskKind } from '../distill/method.js';
import { loadModel, saveModel } from '../models/io.js';
import { consoleProgress } from '../experiments/progress.js';
import { loadTrainingData, parseDataSpec, type TrainingData } from './data_spec.js';
import { buildModel, parseModelSpec } from './model_spec.js';
import { METHOD_CHOICES, methodFromFlags } from './method_choice.js';
import { trivialMetric, writeFitReport } from './fit_report.js';
import { DATA_META } from './saved_run.js';
import { backendOption, nonNegativeInt, positiveInt, threadsOption } from './options.js';

interface FitFlags {
  data: string;
  validation?: string;
  test?: string;
  target?: string;
  task: TaskKind;
  epochs: number;
  batchSize: number;
  learningRate?: number;
  patience: number;
  seed: number;
  backend: BackendRequest;
  threads?: number;
  out: string;
  resume?: boolean;
}

interface DistillFlags extends FitFlags {
  teacher: string;
  student: string;
  method: string;
  methodConfig?: string;
}

interface TrainFlags extends FitFlags {
  model: string;
}

const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${name} must be a number > 0, got "${value}"`);
  return n;
};

function addFitOptions(command: Command): Command {
  return command
    .requiredOption('--data <spec>', 'training data: csv:PATH, folder:PATH or movielens:DIR')
    .addOption(
      new Option('--task <task>', 'what the model predicts')
        .choices(['regression', 'classification'])
        .makeOptionMandatory(),
    )
    .option('--target <column>', 'csv: the column to predict (every other column is a numeric feature)')
    .option('--validation <spec>', 'validation data (default: a seeded 20% of csv rows, 10% of images)')
    .option('--test <spec>', 'test data for the report (movielens: its test split; folder: PATH/test)')
    .option('--epochs <n>', 'epoch budget', positiveInt('--epochs'), 30)
    .option('--batch-size <n>', 'examples per step', positiveInt('--batch-size'), 64)
    .option('--learning-rate <x>', 'Adam learning rate (default 0.001)', positiveNumber('--learning-rate'))
    .option(
      '--patience <n>',
      'epochs without a better validation metric before stopping; 0: never',
      nonNegativeInt('--patience'),
      5,
    )
    .option('--seed <n>', 'seed of the split, initial weights and batches', nonNegativeInt('--seed'), 0)
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--resume', 'continue a run killed in --out (refused if its settings changed)');
}

/** The settings a resumed run must share with the run it continues. */
function settingsOf(
  kind: string,
  flags: FitFlags & Partial<DistillFlags & TrainFlags>,
  method: MethodConfig,
) {
  // A resumed run may use another backend, or other threads (which give the same results).
  const { resume: _resume, backend: _backend, threads: _threads, ...rest } = flags;
  return { kind, ...rest, method };
}

/** Refuses to write into a folder holding something else; on --resume, one whose run differs. */
async function checkOutFolder(out: string, resume: boolean, settings: object): Promise<void> {
  const runFile = join(out, 'run.json');
  if (resume && existsSync(runFile)) {
    const before = await readFile(runFile, 'utf8');
    if (before !== JSON.stringify(settings, null, 2))
      throw new Error(
        `${runFile}: --resume with other settings than the run in this folder; use another --out`,
      );
    return;
  }
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new Error(
      `--out ${out}: the folder exists and is not empty; use another --out, or --resume to continue it`,
    );
}

const describeModel = (model: LayersModel) =>
  `${model.countParams().toLocaleString('en-US')} weights, input ${model.inputs
    .map((i) => `[${i.shape.slice(1).join(', ')}]`)
    .join(' + ')}, ${model.outputs[0].shape[1]} outputs`;

interface Fit {
  kind: 'distill' | 'train';
  flags: FitFlags;
  method: MethodConfig;
  teacher?: { model: LayersModel; path: string };
  studentSpec: string;
}

/**
 * The common path of `distill` and `train`: everything is loaded and checked first, so a bad input
 * leaves no output folder; then training with a progress display, and the outputs.
 */
async function runFit(fit: Fit, data: TrainingData, student: LayersModel): Promise<void> {
  const { flags, method, teacher } = fit;
  const settings = settingsOf(fit.kind, flags, method);
  await checkOutFolder(flags.out, !!flags.resume, settings);
  await mkdir(flags.out, { recursive: true });
  await writeFileAtomic(join(flags.out, 'run.json'), JSON.stringify(settings, null, 2));
  const progress = consoleProgress();
  progress.cellStart(0, 1, `${fit.kind} ${method.name}`);
  let result;
  try {
    result = await distill({
      teacher: teacher?.model,
      student,
      method,
      task: flags.task,
      data: { train: data.train, validation: data.validation },
      training: {
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        patience: flags.patience,
        seed: flags.seed,
        clip: data.clip,
        optimizer: flags.learningRate ? { learningRate: flags.learningRate } : undefined,
      },
      preprocess: data.preprocess,
      storage: fileStorage(join(flags.out, 'checkpoints')),
      resume: flags.resume,
      events: { ...progress.training, onMessage: progress.message },
    });
  } finally {
    progress.stop();
  }
  await saveModel(student, join(flags.out, 'model'));
  await writeFileAtomic(join(flags.out, DATA_META), JSON.stringify(data.meta, null, 2));

  const evalOn = data.test ?? data.validation;
  const on = data.test
    ? `the test data (${data.test.size} rows)`
    : `the validation data (${data.validation.size} rows)`;
  const options = { clip: data.clip, transform: data.preprocess };
  const metric = evaluate(student, evalOn, flags.task, options);
  const teacherFits =
    teacher &&
    (teacher.model.outputs[0].shape[1] ?? 0) === data.outputs &&
    (() => {
      try {
        checkFits(teacher.model, 'teacher', evalOn, 'data');
        return true;
      } catch {
        return false;
      }
    })();
  const teacherMetric: Metric | undefined = teacherFits
    ? evaluate(teacher.model, evalOn, flags.task, options)
    : undefined;
  const trivial = trivialMetric(data.train, evalOn, flags.task);
  const who =
    fit.kind === 'distill' ? `student (${fit.studentSpec}, ${method.name})` : `model (${fit.studentSpec})`;
  await writeFitReport(flags.out, {
    title: fit.kind === 'distill' ? `talking-models distill: ${method.name}` : 'talking-models train',
    command: `talking-models ${process.argv.slice(2).join(' ')}`,
    lines: [
      `data: ${data.spec.text}: ${data.train.size} rows for training, ${data.validation.size} for validation`,
      ...(teacher ? [`teacher: ${teacher.path} (${describeModel(teacher.model)})`] : []),
      `${fit.kind === 'distill' ? 'student' : 'model'}: ${fit.studentSpec} (${describeModel(student)})`,
      `method: \`${JSON.stringify(method)}\``,
      `training: ${flags.epochs} epochs at most, batch ${flags.batchSize}, patience ${flags.patience}, seed ${flags.seed}; ` +
        `best epoch ${result.bestEpoch} of ${result.epochs}, ${result.seconds.toFixed(1)} s`,
      ...(teacher && !teacherMetric
        ? [
            `the teacher's own metric is not given: its ${teacher.model.outputs[0].shape[1]} outputs are not this task's ${data.outputs}`,
          ]
        : []),
    ],
    results: [
      { who, metric },
      ...(teacher ? [{ who: 'teacher', metric: teacherMetric }] : []),
      {
        who:
          flags.task === 'regression'
            ? 'trivial (mean of training targets)'
            : 'trivial (most frequent class)',
        metric: trivial,
      },
    ],
    on,
    history: result.history,
  });
  const also = [
    teacherMetric && `teacher ${teacherMetric.value.toFixed(4)}`,
    `trivial ${trivial.value.toFixed(4)}`,
  ]
    .filter(Boolean)
    .join(', ');
  console.log(
    `${fit.kind === 'distill' ? method.name : 'trained'}: ${data.test ? 'test' : 'validation'} ${metric.metric} ` +
      `${metric.value.toFixed(4)} (${also}); best epoch ${result.bestEpoch} of ${result.epochs}, ` +
      `${result.seconds.toFixed(1)} s; wrote ${flags.out}/model, metrics.jsonl, report.md, validation.svg`,
  );
}

async function prepare(flags: FitFlags, modelFlag: string, modelText: string) {
  const dataSpec = parseDataSpec(flags.data, '--data');
  const validation = flags.validation ? parseDataSpec(flags.validation, '--validation') : undefined;
  const test = flags.test ? parseDataSpec(flags.test, '--test') : undefined;
  const studentSpec = parseModelSpec(modelText, modelFlag);
  const backend = await initBackend(flags.backend, { threads: flags.threads });
  const data = await loadTrainingData({
    data: dataSpec,
    validation,
    test,
    target: flags.target,
    task: flags.task,
    seed: flags.seed,
  });
  const student = await buildModel(studentSpec, data, flags.seed, 'student', modelFlag);
  return { backend, data, student };
}

/** `talking-models distill` and `talking-models train`. */
export function registerFitCommands(program: Command): void {
  addFitOptions(
    program
      .command('distill')
      .description(
        'distill a pre-trained teacher into a small student on your data; saves the student in --out/model',
      )
      .requiredOption(
        '--teacher <model>',
        'the teacher: a tfjs LayersModel folder or model.json (any number of weight shards)',
      )
      .requiredOption(
        '--student <spec>',
        'mlp:64,32 | cnn:8,16,32 | recommender:8:32,16 (embedding:widths) | a model.json trained from fresh weights',
      )
      .addOption(
        new Option('--method <name>', 'distillation method').choices(METHOD_CHOICES).default('talking'),
      )
      .option('--method-config <file>', 'a JSON object of the method\'s settings, e.g. {"messageSize": 16}'),
  )
    .option('--out <dir>', 'output folder', 'runs/distill')
    .action(async (flags: DistillFlags) => {
      const method = await methodFromFlags(flags.method, flags.methodConfig);
      const { backend, data, student } = await prepare(flags, '--student', flags.student);
      const teacher = await loadModel(flags.teacher);
      try {
        checkFits(teacher, 'teacher', data.train, data.spec.text);
      } catch (error) {
        const hint = data.meta.features
          ? ` (${data.meta.features.length} feature columns: ${data.meta.features.join(', ')})`
          : '';
        throw new Error(
          `${flags.teacher}: the teacher does not fit the data: ${(error as Error).message}${hint}`,
        );
      }
      checkDistillInputs({ teacher, student, task: flags.task, data });
      console.log(`backend: ${describeBackend(backend)}`);
      await runFit(
        {
          kind: 'distill',
          flags,
          method,
          teacher: { model: teacher, path: flags.teacher },
          studentSpec: flags.student,
        },
        data,
        student,
      );
    });

  addFitOptions(
    program
      .command('train')
      .description('train a model (a teacher, or a baseline) on your data alone; saves it in --out/model')
      .requiredOption(
        '--model <spec>',
        'mlp:64,32 | cnn:8,16,32 | recommender:8:32,16 (embedding:widths) | a model.json trained from fresh weights',
      ),
  )
    .option('--out <dir>', 'output folder', 'runs/train')
    .action(async (flags: TrainFlags) => {
      const method = await methodFromFlags('student');
      const { backend, data, student } = await prepare(flags, '--model', flags.model);
      checkDistillInputs({ student, task: flags.task, data });
      console.log(`backend: ${describeBackend(backend)}`);
      await runFit({ kind: 'train', flags, method, studentSpec: flags.model }, data, student);
    });
}
