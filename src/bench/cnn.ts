import { tf } from '../engine/tf.js';
import { momentum } from '../engine/optimizers.js';
import { buildResNet } from '../models/resnet.js';
import { trainingFlops } from './flops.js';
import type { Workload } from './workload.js';
import { minimizeStep } from './synthetic.js';

/** experiments.md `cnn`: a ResNet-8-style net (16/32/64 channels), softmax cross-entropy, SGD momentum. */
export function cnnWorkload(batch = 128): Workload {
  return {
    name: 'cnn',
    batch,
    async prepare(random) {
      const model = buildResNet({
        inputShape: [32, 32, 3],
        widths: [16, 32, 64],
        blocksPerStage: 1,
        classes: 10,
        seed: random.seedInt(),
      });
      const images = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', random.seedInt());
      const labels = tf.oneHot(
        tf.tensor1d(
          Int32Array.from({ length: batch }, () => random.int(10)),
          'int32',
        ),
        10,
      );
      const optimizer = momentum(0.1, 0.9);
      return {
        flops: trainingFlops(model, batch),
        step: minimizeStep(optimizer, () =>
          tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor),
        ),
        dispose() {
          tf.dispose([images, labels]);
          optimizer.dispose();
          model.dispose();
        },
      };
    },
  };
}
