import { exampleSize, type Column, type Inputs, type TensorDataset } from './dataset.js';

const TYPED = [Float32Array, Int32Array, Uint8Array];

function checkColumn(column: Column, size: number, field: string): void {
  if (!column || !TYPED.some((Ctor) => column.values instanceof Ctor))
    throw new Error(`${field}.values: expected a Float32Array, Int32Array or Uint8Array`);
  if (!Array.isArray(column.shape) || column.shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new Error(
      `${field}.shape: expected the shape of one example as whole numbers >= 1 (e.g. [4]), got ${JSON.stringify(column.shape)}`,
    );
  if (column.dtype !== 'float32' && column.dtype !== 'int32')
    throw new Error(`${field}.dtype: expected "float32" or "int32", got ${JSON.stringify(column.dtype)}`);
  const expected = size * exampleSize(column.shape);
  if (column.values.length !== expected)
    throw new Error(
      `${field}.values: ${column.values.length} values, but size ${size} x shape [${column.shape.join(', ')}] ` +
        `needs ${expected}`,
    );
}

/**
 * Checks that a dataset's arrays agree with its `size` and shapes, naming the field (e.g.
 * `data.train.inputs[1]`), so that a wrong shape fails here instead of training on nothing.
 */
export function checkInputs(data: Inputs, field: string): void {
  if (data == null || typeof data !== 'object')
    throw new Error(`${field}: expected a TensorDataset { size, inputs, target }`);
  if (!Number.isInteger(data.size) || data.size < 1)
    throw new Error(`${field}.size: expected a whole number >= 1, got ${JSON.stringify(data.size)}`);
  if (!Array.isArray(data.inputs) || data.inputs.length === 0)
    throw new Error(`${field}.inputs: expected an array of columns, one per model input`);
  data.inputs.forEach((column, k) => checkColumn(column, data.size, `${field}.inputs[${k}]`));
}

/** `checkInputs`, and the target column likewise. */
export function checkDataset(data: TensorDataset, field: string): void {
  checkInputs(data, field);
  checkColumn(data.target, data.size, `${field}.target`);
}
