/**
 * talking-models: distill a pre-trained ("foundation") model into a small downstream model by
 * letting the two models talk (Zhao et al., arXiv 2310.03188), on TensorFlow.js.
 *
 * This is the package's one public entry point.
 */
export { tf } from './engine/tf.js';
export { initBackend, type BackendRequest, type BackendName } from './engine/backend.js';
export { Random, type RandomState } from './engine/random.js';
export { buildRecommender, type RecommenderConfig } from './models/recommender.js';
export { buildResNet, type ResNetConfig } from './models/resnet.js';
export * from './data/index.js';
export { saveModel, loadModel, saveTensors, loadTensors } from './models/io.js';
