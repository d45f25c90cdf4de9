/**
 * The part of talking-models that runs wherever TensorFlow.js runs, a browser page included: the
 * models, the methods, the training loop and `distill()`. Nothing here imports a Node module;
 * checkpoints and metrics go through a `RunStorage` (`memoryStorage()` here, `fileStorage()` from
 * the main entry in Node). Tested by core.test.ts.
 */
export { tf } from './engine/tf.js';
export { Random, type RandomState } from './engine/random.js';
export { buildRecommender, type RecommenderConfig } from './models/recommender.js';
export { buildResNet, type ResNetConfig } from './models/resnet.js';
export { ModelGraph } from './models/cut.js';
export { memoryStorage, type RunStorage } from './storage/storage.js';
export { distill, type DistillOptions, type DistillResult } from './distill/distill.js';
export {
  parseMethodConfig,
  createDistiller,
  METHODS,
  METHOD_NAMES,
  type MethodConfig,
  type MethodInput,
} from './distill/methods/registry.js';
export { parseTrainingConfig, type TrainingConfig, type TrainingInput } from './distill/training-config.js';
export { evaluate, type Metric } from './distill/evaluate.js';
export { trainLoop, NonFiniteLossError, type TrainingEvents, type TrainOptions } from './distill/train.js';
export { createTalking } from './distill/methods/talking/talking.js';
export type { TensorDataset, Batch, Column } from './data/dataset.js';
