/**
 * talking-models: distill a pre-trained ("foundation") model into a small downstream model by
 * letting the two models talk (Zhao et al., arXiv 2310.03188), on TensorFlow.js.
 *
 * This is the package's one public entry point.
 */
import { initBackend } from './engine/backend.js';

export { tf } from './engine/tf.js';
export {
  initBackend,
  backendThreads,
  defaultThreads,
  type BackendRequest,
  type BackendName,
  type BackendSettings,
} from './engine/backend.js';

/*
 * Importing the package selects the fastest backend that loads here (tfjs-node, else wasm), so a
 * user who never picks one does not silently train on tfjs's slow default `cpu` backend.
 * `initBackend('cpu')` (or any other) chooses another; `tf.getBackend()` and every `distill()`
 * result say which one runs. The wasm backend computes on TALKING_MODELS_THREADS threads (default
 * 1); `initBackend('wasm', { threads: 2 })` chooses, and `distill()` results report them.
 */
await initBackend('auto');
export { Random, type RandomState } from './engine/random.js';
export { buildRecommender, type RecommenderConfig } from './models/recommender.js';
export { FactorProduct, type FactorProductConfig } from './models/factor_product.js';
export {
  FusedBatchNormalization,
  type FusedBatchNormalizationConfig,
} from './models/fused_batch_normalization.js';
export { Conv2D } from './models/conv2d.js';
export { buildResNet, type ResNetConfig } from './models/resnet.js';
export * from './data/index.js';
export { saveModel, loadModel } from './models/io.js';
export { memoryStorage, type RunStorage } from './storage/storage.js';
export { fileStorage } from './storage/files.js';
export { distill, type DistillOptions, type DistillResult } from './distill/distill.js';
export {
  parseMethodConfig,
  createDistiller,
  METHODS,
  METHOD_NAMES,
  type MethodEntry,
  type MethodConfig,
  type MethodInput,
  type MethodName,
} from './distill/methods/registry.js';
export type { TalkingConfig } from './distill/methods/talking/config.js';
export { parseTrainingConfig, type TrainingConfig, type TrainingInput } from './distill/training-config.js';
export { evaluate, type Metric } from './distill/evaluate.js';
export { predict, predictedClasses, type Predictions } from './distill/predict.js';
export { trainLoop, NonFiniteLossError, type TrainingEvents, type TrainOptions } from './distill/train.js';
export type { EpochRecord } from './distill/history.js';
export type {
  Distiller,
  Phase,
  VariableGroup,
  MethodContext,
  TaskKind,
  StepContext,
} from './distill/method.js';
export { createTalking, defaultPairs, type LayerPair } from './distill/methods/talking/talking.js';
export { buildEncoder, buildDecoder, type ChannelShape } from './distill/methods/talking/channel.js';
export { ModelGraph } from './models/cut.js';
