import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import { batches, type RowTransform, type TensorDataset } from '../data/dataset.js';
import type { TaskKind } from './method.js';

export interface Metric {
  metric: 'rmse' | 'accuracy';
  value: number;
}

/** Whether `a` is a better value of `metric` than `b`. */
export function better(metric: Metric['metric'], a: number, b: number): boolean {
  return metric === 'rmse' ? a < b : a > b;
}

/**
 * The downstream metric of a model alone: RMSE of ratings (predictions clipped to `clip`, e.g.
 * [1, 5], as experiments.md asks) or top-1 accuracy of classes.
 */
export function evaluate(
  model: LayersModel,
  dataset: TensorDataset,
  task: TaskKind,
  options: {
    batchSize?: number;
    clip?: [number, number];
    transform?: RowTransform;
  } = {},
): Metric {
  let sum = 0;
  for (const batch of batches(dataset, options.batchSize ?? 1024, { transform: options.transform })) {
    sum += tf.tidy(() => {
      let prediction = model.apply(batch.inputs, { training: false }) as Tensor;
      if (task === 'regression') {
        if (options.clip) prediction = prediction.clipByValue(options.clip[0], options.clip[1]);
        return prediction
          .reshape([-1])
          .sub(batch.target.reshape([-1]))
          .square()
          .sum()
          .dataSync()[0];
      }
      return prediction
        .argMax(1)
        .equal(batch.target.reshape([-1]).toInt())
        .sum()
        .dataSync()[0];
    });
    tf.dispose([...batch.inputs, batch.target]);
  }
  const n = dataset.size;
  return task === 'regression'
    ? { metric: 'rmse', value: Math.sqrt(sum / n) }
    : { metric: 'accuracy', value: sum / n };
}
