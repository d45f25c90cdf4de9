import { z } from 'zod';
import { fields, formatIssues } from '../../util/schema.js';
import { trainingSchema } from '../../distill/training-config.js';
import { checkMethodList, CONTROLS } from '../method_list.js';
import { tuningSchema } from '../tuning.js';
import { methodsFor } from '../../distill/methods/registry.js';

const resnet = (widths: number[], blocksPerStage: number) =>
  z
    .strictObject({
      widths: z.array(z.number().int().positive()).min(1).default(widths),
      blocksPerStage: z.number().int().positive().default(blocksPerStage),
    })
    .prefault({});

const CIFAR_SOURCE = ['airplane', 'automobile', 'bird', 'cat', 'deer'];
const CIFAR_TARGET = ['dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * E2 of experiments.md as one serialisable config: every number that shapes a result is here and
 * is written into results.json and report.md.
 */
export const imageTransferSchema = fields({
  /** `cifar10` (the binary batches) or `folder:PATH` (PATH/<split>/<class>/<image>, splits train and test). */
  dataset: z
    .string()
    .regex(/^(cifar10|folder:.+)$/, 'expected "cifar10" or "folder:PATH"')
    .default('cifar10'),
  /** Classes the teacher is pre-trained on (all their training images). */
  sourceClasses: z.array(z.string()).min(2).default(CIFAR_SOURCE),
  /** The downstream classes: new to the teacher. */
  targetClasses: z.array(z.string()).min(2).default(CIFAR_TARGET),
  /** Labelled downstream images per class (validation is taken from these). */
  perClass: z.number().int().positive().default(500),
  /** Cap on the teacher's training images per source class; absent = all of them. */
  teacherPerClass: z.number().int().positive().optional(),
  validationFraction: z.number().gt(0).lt(1).default(0.1),
  /** Seed of the teacher's validation split; the downstream subset is chosen by each run seed. */
  dataSeed: z.number().int().min(0).default(0),
  /** Random crop with this zero padding and horizontal flips; 0 turns augmentation off. */
  augmentPadding: z.number().int().min(0).default(4),
  methods: z
    .array(z.string())
    .min(1)
    .default([...methodsFor('classification'), ...CONTROLS]),
  /** Protocol revision 2's power: 5 seeds. */
  seeds: z.number().int().min(1).default(5),
  /** ResNet-20 style (16/32/64 channels, 3 basic blocks a stage). */
  teacher: resnet([16, 32, 64], 3),
  /** ResNet-8 style (8/16/32 channels, 1 block a stage). */
  student: resnet([8, 16, 32], 1),
  /** takd's assistant, between the two in width and depth (ResNet-14 style, 12/24/48). */
  assistant: resnet([12, 24, 48], 2),
  teacherTraining: trainingSchema.prefault({
    epochs: 15,
    batchSize: 128,
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'cosine' },
    // Patience as long as the budget: no early stop, but the best validation epoch is restored.
    patience: 15,
  }),
  /** The same budget, optimizer and batch size for every method. */
  training: trainingSchema.prefault({
    epochs: 30,
    batchSize: 128,
    optimizer: { name: 'adam', learningRate: 2e-3, weightDecay: 1e-4 },
    schedule: { name: 'cosine' },
    patience: 30,
  }),
  /** Named method configs beyond the defaults (ablations), e.g. { "talking-no-mc": { name: "talking", weights: { mc: 0 } } }. */
  variants: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  tuning: tuningSchema,
});

export type ImageTransferConfig = z.output<typeof imageTransferSchema>;

/** `--quick`: fewer images, one seed, a short budget: a few minutes on CIFAR-10. */
export const IMAGE_QUICK = {
  perClass: 100,
  teacherPerClass: 400,
  seeds: 1,
  // Minutes, not hours: the methods run at their defaults.
  tuning: { enabled: false },
  teacherTraining: {
    epochs: 4,
    batchSize: 128,
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'cosine' },
    patience: 4,
  },
  training: {
    epochs: 5,
    batchSize: 128,
    optimizer: { name: 'adam', learningRate: 2e-3, weightDecay: 1e-4 },
    schedule: { name: 'cosine' },
    patience: 5,
  },
};

export function parseImageTransferConfig(input: unknown): ImageTransferConfig {
  const result = imageTransferSchema.safeParse(input ?? {});
  if (!result.success) throw new Error(formatIssues('image-transfer config', result.error));
  const config = result.data;
  const overlap = config.sourceClasses.filter((c) => config.targetClasses.includes(c));
  if (overlap.length) {
    throw new Error(
      `Invalid image-transfer config:\n  targetClasses: ${overlap.join(', ')} also in sourceClasses; the downstream classes must be new to the teacher`,
    );
  }
  checkMethodList('image-transfer', config.methods, config.variants);
  return config;
}
