/**
 * The one TensorFlow.js import of the project. The `@tensorflow/tfjs` umbrella is used rather than
 * `@tensorflow/tfjs-core` alone because only its Node bundle registers the gradient functions
 * (tfjs-core's own ES build cannot be imported by Node's ES module loader).
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Scalar, Variable, LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
