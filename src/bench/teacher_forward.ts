import { tf } from '../engine/tf.js';
import { parseImageTransferConfig } from '../experiments/images/config.js';
import { buildResNet } from '../models/resnet.js';
import { forwardFlops } from './flops.js';
import type { Workload } from './workload.js';

/**
 * E2's frozen teacher (ResNet-20 of the default image-transfer config) reading one batch in
 * inference mode: the forward pass every distillation cell of E2 pays at each step, and most of
 * such a cell's time, so the bench shows how far it is from the machine's limit.
 */
export function teacherForwardWorkload(batch = 128): Workload {
  return {
    name: 'teacher-forward',
    batch,
    async prepare(random) {
      const { teacher, sourceClasses } = parseImageTransferConfig({});
      const model = buildResNet({
        inputShape: [32, 32, 3],
        ...teacher,
        classes: sourceClasses.length,
        seed: random.seedInt(),
      });
      const images = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', random.seedInt());
      return {
        flops: forwardFlops(model, batch),
        step() {
          const logits = model.apply(images, { training: false }) as tf.Tensor;
          const first = logits.dataSync()[0];
          logits.dispose();
          return first;
        },
        dispose() {
          images.dispose();
          model.dispose();
        },
      };
    },
  };
}
