/**
 * The one TensorFlow.js import of the project. The `@tensorflow/tfjs` umbrella is used rather than
 * `@tensorflow/tfjs-core` alone because only its Node bundle registers the gradient functions
 * (tfjs-core's own ES build cannot be imported by Node's ES module loader).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * On its first tensor in Node, the cpu backend prints a banner advising tfjs-node (tracked by its
 * `firstUse` field). Our commands say which backend runs themselves, and the banner would litter
 * every test and result log. The factory is wrapped here, before any backend exists, so that every
 * cpu backend is quiet, also the one tfjs picks by itself when nothing was selected; the global
 * flags that also hide it (`PROD`, `IS_TEST`) would hide all other tfjs warnings too.
 */
function registerQuietCpuBackend(): void {
  const factory = tf.findBackendFactory('cpu');
  if (factory == null) return;
  tf.removeBackend('cpu');
  tf.registerBackend(
    'cpu',
    () => Object.assign(factory() as tf.KernelBackend, { firstUse: false }),
    1 /* tfjs-backend-cpu's own priority, below the accelerated backends */,
  );
}
registerQuietCpuBackend();

export { tf };
export type { Tensor, Scalar, Variable, LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
