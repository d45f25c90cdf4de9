import { createHash } from 'node:crypto';
import { Random } from '../../engine/random.js';
import { buildResNet } from '../../models/resnet.js';
import { locateDataset } from '../../data/download.js';
import { loadCifar10 } from '../../data/images/cifar.js';
import { loadImageFolderSplit } from '../../data/images/folder.js';
import {
  augment,
  channelStats,
  imageDataset,
  normalize,
  perClassSubset,
  selectClasses,
  splitImages,
  type ImageSet,
} from '../../data/images/image_set.js';
import { fileStorage } from '../../storage/files.js';
import { distill } from '../../distill/distill.js';
import { parseMethodConfig, usesTeacherHead, type MethodInput } from '../../distill/methods/registry.js';
import { methodOf } from '../method_list.js';
import { evaluate } from '../../distill/evaluate.js';
import { packageVersion } from '../../engine/package_root.js';
import { cellRecord, type ExperimentSettings } from '../plan.js';
import type { Experiment, TeacherSpec } from '../experiment.js';
import type { ImageTransferConfig } from './config.js';
import { mergePatch } from '../tuning.js';
import { portablePath } from '../../util/paths.js';

/** A method's config: a variant, or the method with a fine-tuned teacher head where it uses one. */
export function methodInput(config: ImageTransferConfig, method: string): MethodInput {
  const variant = config.variants[method];
  if (variant) return variant as MethodInput;
  const input = methodOf(method, config.variants);
  // The target classes are as many as the source ones but other classes, so 'auto' (fine-tune
  // when the sizes differ) would keep a head that names the wrong classes: a method whose targets
  // come from the teacher's head gets a new one.
  return usesTeacherHead(parseMethodConfig(input))
    ? ({ ...input, teacherHead: 'finetune' } as MethodInput)
    : input;
}

async function loadSplits(
  config: ImageTransferConfig,
  options: ExperimentSettings,
): Promise<{ train: ImageSet; test: ImageSet; name: string }> {
  if (config.dataset === 'cifar10') {
    const dir = await locateDataset('cifar-10', {
      dataDir: options.dataDir,
      cacheDir: options.cacheDir,
      log: options.progress.message,
    });
    return { ...(await loadCifar10(dir)), name: 'cifar10' };
  }
  const root = config.dataset.slice('folder:'.length);
  const classes = [...config.sourceClasses, ...config.targetClasses];
  return {
    train: await loadImageFolderSplit(root, 'train', classes),
    test: await loadImageFolderSplit(root, 'test', classes),
    name: `folder ${portablePath(root, 'folder')}`,
  };
}

/** The pixels and labels a teacher learns from, for the teacher cache key. */
function fingerprintImages(set: ImageSet): string {
  return createHash('sha256')
    .update(set.pixels)
    .update(new Uint8Array(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength))
    .update(JSON.stringify(set.classNames))
    .digest('hex');
}

/**
 * E2: a ResNet-20-style teacher pre-trained on the source classes; for each method and seed a
 * ResNet-8-style student trained on K labelled images per target class and tested on all test
 * images of the target classes.
 */
export async function openImageTransfer(
  config: ImageTransferConfig,
  settings: ExperimentSettings,
): Promise<Experiment> {
  const { train, test, name } = await loadSplits(config, settings);
  const source = selectClasses(train, config.sourceClasses);
  const sourcePool = config.teacherPerClass
    ? perClassSubset(source, config.teacherPerClass, new Random(`${config.dataSeed}/teacher-subset`))
    : source;
  const sourceSplit = splitImages(
    sourcePool,
    config.validationFraction,
    new Random(`${config.dataSeed}/teacher-split`),
  );
  // One normalisation for every model: the teacher's, since it reads the students' inputs too.
  const stats = channelStats(sourceSplit.train);
  const preprocess = normalize(stats);
  const shape: [number, number, number] = [train.height, train.width, train.channels];
  const resnet = (
    net: { widths: number[]; blocksPerStage: number },
    classes: number,
    seed: number,
    modelName: string,
  ) => buildResNet({ inputShape: shape, ...net, classes, seed, name: modelName });
  const augmentation =
    config.augmentPadding > 0 ? (random: Random) => augment(random, config.augmentPadding) : undefined;

  const teacher: TeacherSpec = {
    id: 'source classes',
    setup: {
      // A new release may build or train teachers differently: never reuse another version's.
      version: packageVersion(),
      model: config.teacher,
      training: config.teacherTraining,
      classes: config.sourceClasses,
      teacherPerClass: config.teacherPerClass,
      validationFraction: config.validationFraction,
      dataSeed: config.dataSeed,
      augmentPadding: config.augmentPadding,
    },
    fingerprint: async () => fingerprintImages(sourcePool),
    describe: `on ${sourceSplit.train.labels.length} images of ${config.sourceClasses.join(', ')}`,
    build: () => resnet(config.teacher, config.sourceClasses.length, config.teacherTraining.seed, 'teacher'),
    task: 'classification',
    data: { train: imageDataset(sourceSplit.train), validation: imageDataset(sourceSplit.validation) },
    training: config.teacherTraining,
    augment: augmentation,
    preprocess,
  };

  const task = config.targetClasses.join('+');
  const targetTrain = selectClasses(train, config.targetClasses);
  const targetTest = imageDataset(selectClasses(test, config.targetClasses));
  // The labelled subset is drawn by the run seed: every method sees the same images at one seed.
  const splitsBySeed = new Map<number, { train: ImageSet; validation: ImageSet }>();
  const labelledSplit = (seed: number) => {
    if (!splitsBySeed.has(seed)) {
      const labelled = perClassSubset(
        targetTrain,
        config.perClass,
        new Random(`${config.dataSeed}/target-subset/${seed}`),
      );
      splitsBySeed.set(
        seed,
        splitImages(
          labelled,
          config.validationFraction,
          new Random(`${config.dataSeed}/target-split/${seed}`),
        ),
      );
    }
    return splitsBySeed.get(seed)!;
  };

  return {
    suite: 'image-transfer',
    title: `Image transfer experiment (${name}${settings.quick ? ', quick' : ''})`,
    dataset: name,
    config,
    tasks: [task],
    methods: config.methods,
    methodInput: (method) => methodInput(config, method),
    tuning: config.tuning,
    task: 'classification',
    seeds: config.seeds,
    teacherFor: () => teacher,
    teacherMetric: (teacherOf) => ({
      metric: 'accuracy',
      value: evaluate(
        teacherOf(task),
        imageDataset(selectClasses(test, config.sourceClasses)),
        'classification',
        {
          transform: preprocess,
        },
      ).value,
      on: `all test images of its source classes (${config.sourceClasses.join(', ')})`,
      byTask: {},
    }),
    async runCell(cell, setup, teacherModel, run) {
      const split = labelledSplit(cell.seed);
      const seed = 1000 * (cell.seed + 1);
      const classes = config.targetClasses.length;
      const student = resnet(config.student, classes, seed, 'student');
      const assistant = resnet(config.assistant, classes, seed + 1, 'assistant');
      const result = await distill({
        teacher: teacherModel,
        student,
        assistant,
        method: setup.method,
        task: 'classification',
        data: { train: imageDataset(split.train), validation: imageDataset(split.validation) },
        training: mergePatch({ ...config.training, seed: cell.seed }, setup.training),
        storage: fileStorage(run.outDir),
        resume: true,
        augment: augmentation,
        preprocess,
        events: run.events,
        sharedFits: run.sharedFits,
      });
      const accuracy = evaluate(student, targetTest, 'classification', { transform: preprocess });
      student.dispose();
      assistant.dispose();
      return cellRecord(cell, accuracy, result);
    },
  };
}
