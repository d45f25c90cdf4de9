import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import { inputBatches, type Inputs, type RowTransform } from '../data/dataset.js';
import { checkInputs } from '../data/check.js';

/** A model's outputs for every row, in row order: `rows` x `width` values. */
export interface Predictions {
  values: Float32Array;
  rows: number;
  /** Outputs per row: 1 for a value, k for the logits of k classes. */
  width: number;
}

/**
 * Runs `model` on every row of `data` in batches (only one batch of tensors lives at a time), so a
 * large table predicts in bounded memory.
 */
export function predict(
  model: LayersModel,
  data: Inputs,
  options: { batchSize?: number; transform?: RowTransform } = {},
): Predictions {
  checkInputs(data, 'data');
  const width = (model.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const values = new Float32Array(data.size * width);
  let row = 0;
  for (const inputs of inputBatches(data, options.batchSize ?? 1024, options.transform)) {
    const out = tf.tidy(() => (model.predict(inputs) as Tensor).dataSync());
    tf.dispose(inputs);
    values.set(out, row * width);
    row += out.length / width;
  }
  return { values, rows: data.size, width };
}

/** The class of each row: the index of its largest output. */
export function predictedClasses({ values, rows, width }: Predictions): Int32Array {
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[r * width + k] > values[r * width + best]) best = k;
    classes[r] = best;
  }
  return classes;
}
