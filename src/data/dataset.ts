import { tf, type Tensor } from '../engine/tf.js';
import type { Random } from '../engine/random.js';

/** One column of a dataset: the values of every example, flat, and the shape of one example. */
export interface Column {
  values: Float32Array | Int32Array | Uint8Array;
  /** Shape of one example, e.g. [1] for an id, [32, 32, 3] for an image. */
  shape: number[];
  /** The dtype of the tensor a batch of this column becomes (uint8 images become float32). */
  dtype: 'float32' | 'int32';
}

/** A dataset held once in memory as typed arrays; batches copy only the rows they hold. */
export interface TensorDataset {
  size: number;
  /** The model's inputs in order (e.g. [user, item] or [image]). */
  inputs: Column[];
  /** Ratings (float32, shape [1]) or class ids (int32, shape [] or [1]). */
  target: Column;
}

/** The inputs of a dataset alone, e.g. rows to predict, whose targets are unknown. */
export type Inputs = Pick<TensorDataset, 'size' | 'inputs'>;

/** A batch as the training loop and the methods see it. */
export interface Batch {
  inputs: Tensor[];
  target: Tensor;
  size: number;
}

/** A per-batch transform of raw input rows (e.g. image scaling and augmentation), in place. */
export type RowTransform = (values: Float32Array, rows: number, shape: number[]) => void;

export function exampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function gatherRows(column: Column, rows: ArrayLike<number>, from: number, to: number) {
  const width = exampleSize(column.shape);
  const count = to - from;
  const out = column.dtype === 'int32' ? new Int32Array(count * width) : new Float32Array(count * width);
  for (let r = 0; r < count; r++) {
    const src = rows[from + r] * width;
    for (let k = 0; k < width; k++) out[r * width + k] = column.values[src + k];
  }
  return out;
}

function batchInputs(
  data: Inputs,
  order: ArrayLike<number>,
  from: number,
  to: number,
  transform: RowTransform | undefined,
): Tensor[] {
  return data.inputs.map((column) => {
    const values = gatherRows(column, order, from, to);
    if (transform && values instanceof Float32Array) transform(values, to - from, column.shape);
    return tf.tensor(values, [to - from, ...column.shape], column.dtype);
  });
}

const identityOrder = (size: number) => Int32Array.from({ length: size }, (_, i) => i);

/**
 * Yields batches in the given order (default: dataset order). Only the rows of the current batch
 * are copied; the caller disposes each batch's tensors (the training loop does so in `tf.tidy`).
 */
export function* batches(
  dataset: TensorDataset,
  batchSize: number,
  options: { order?: ArrayLike<number>; transform?: RowTransform } = {},
): Generator<Batch> {
  const order = options.order ?? identityOrder(dataset.size);
  for (let from = 0; from < order.length; from += batchSize) {
    const to = Math.min(order.length, from + batchSize);
    const inputs = batchInputs(dataset, order, from, to, options.transform);
    const target = tf.tensor(
      gatherRows(dataset.target, order, from, to),
      [to - from, ...dataset.target.shape],
      dataset.target.dtype,
    );
    yield { inputs, target, size: to - from };
  }
}

/** Batches of model inputs in dataset order, for prediction; the caller disposes them. */
export function* inputBatches(
  data: Inputs,
  batchSize: number,
  transform?: RowTransform,
): Generator<Tensor[]> {
  const order = identityOrder(data.size);
  for (let from = 0; from < data.size; from += batchSize)
    yield batchInputs(data, order, from, Math.min(data.size, from + batchSize), transform);
}

/** The rows of `dataset` at `indices`, as a new dataset (used for splits and subsets). */
export function subset(dataset: TensorDataset, indices: ArrayLike<number>): TensorDataset {
  const pick = (column: Column): Column => {
    const width = exampleSize(column.shape);
    const Ctor = column.values.constructor as new (n: number) => Column['values'];
    const values = new Ctor(indices.length * width);
    for (let r = 0; r < indices.length; r++) {
      values.set(column.values.subarray(indices[r] * width, (indices[r] + 1) * width), r * width);
    }
    return { ...column, values };
  };
  return { size: indices.length, inputs: dataset.inputs.map(pick), target: pick(dataset.target) };
}

/** Splits off a seeded `fraction` of the rows for validation; the rest trains. */
export function splitDataset(
  dataset: TensorDataset,
  fraction: number,
  random: Random,
): { train: TensorDataset; validation: TensorDataset } {
  const order = random.permutation(dataset.size);
  const cut = Math.round(dataset.size * fraction);
  return { validation: subset(dataset, order.subarray(0, cut)), train: subset(dataset, order.subarray(cut)) };
}
