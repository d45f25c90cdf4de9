import { tf, type Tensor } from '../engine/tf.js';
import { checkDataset } from './check.js';
import { exampleSize, type Column, type TensorDataset } from './dataset.js';

/** One column given as a tensor or nested arrays whose first axis is the examples. */
export type ArrayColumn = Tensor | tf.TensorLike;

function toColumn(input: ArrayColumn, dtype: Column['dtype'], field: string): Column {
  let tensor: Tensor;
  try {
    tensor = input instanceof tf.Tensor ? input : tf.tensor(input);
  } catch (error) {
    throw new Error(`${field}: not a tensor or a nested array of numbers (${(error as Error).message})`);
  }
  try {
    if (tensor.rank === 0) throw new Error(`${field}: expected one row per example, got a single number`);
    const values = tensor.dataSync();
    return {
      values: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
      shape: tensor.shape.slice(1),
      dtype,
    };
  } finally {
    if (tensor !== input) tensor.dispose();
  }
}

/**
 * A `TensorDataset` from tensors or nested arrays whose first axis is the examples, one per model
 * input, e.g. a table of 4 features and a rating:
 * `datasetFromArrays({ inputs: [[[0.1, 2, 3, 4], ...]], target: [3.5, ...] })`, or user and item
 * ids: `inputs: [userIds, itemIds], inputTypes: ['int32', 'int32']`. Class labels
 * (`task: 'classification'`) must be whole numbers >= 0; a 1-D regression target becomes [n, 1].
 */
export function datasetFromArrays(options: {
  inputs: ArrayColumn[];
  target: ArrayColumn;
  task?: 'regression' | 'classification';
  /** Per input: 'int32' for ids fed to an embedding; default float32. */
  inputTypes?: Column['dtype'][];
}): TensorDataset {
  if (!Array.isArray(options.inputs) || options.inputs.length === 0)
    throw new Error('inputs: expected an array with one column (tensor or nested array) per model input');
  const inputs = options.inputs.map((input, k) =>
    toColumn(input, options.inputTypes?.[k] ?? 'float32', `inputs[${k}]`),
  );
  const classes = options.task === 'classification';
  const target = toColumn(options.target, classes ? 'int32' : 'float32', 'target');
  if (classes) {
    const raw = toColumn(options.target, 'float32', 'target').values;
    const bad = raw.findIndex((v) => !Number.isInteger(v) || v < 0);
    if (bad >= 0) throw new Error(`target[${bad}]: class labels must be whole numbers >= 0, got ${raw[bad]}`);
  } else if (target.shape.length === 0) target.shape = [1];
  const rows = (column: Column) => column.values.length / exampleSize(column.shape);
  const size = rows(target);
  for (const [k, column] of inputs.entries())
    if (rows(column) !== size)
      throw new Error(
        `inputs[${k}]: ${rows(column)} examples, but target has ${size}; each example needs a target`,
      );
  const dataset = { size, inputs, target };
  checkDataset(dataset, 'dataset');
  return dataset;
}
