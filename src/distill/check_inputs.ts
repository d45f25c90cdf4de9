import { tf, type LayersModel } from '../engine/tf.js';
import { checkDataset } from '../data/check.js';
import { exampleSize, type Inputs, type TensorDataset } from '../data/dataset.js';
import type { TaskKind } from './method.js';

const TASKS: TaskKind[] = ['regression', 'classification'];

/** The checks of `distill()`'s inputs that need no training: each error names the field. */
export interface InputsToCheck {
  teacher?: LayersModel;
  student: LayersModel;
  assistant?: LayersModel;
  task: TaskKind;
  data: { train: TensorDataset; validation?: TensorDataset };
}

const sameShape = (model: (number | null)[], column: number[]) => {
  // tfjs-layers feeds a [batch] tensor to a [batch, 1] input, so [] and [1] are the same example shape.
  const a = model.length === 1 && model[0] === 1 ? [] : model;
  const b = column.length === 1 && column[0] === 1 ? [] : column;
  return a.length === b.length && a.every((d, k) => d == null || d === b[k]);
};

/** That `data`'s columns fit the inputs of `model` (the `role` and `field` name them in the error). */
export function checkFits(model: LayersModel, role: string, data: Inputs, field: string): void {
  if (model.inputs.length !== data.inputs.length)
    throw new Error(
      `${field}.inputs: ${data.inputs.length} columns, but the ${role} takes ${model.inputs.length} inputs ` +
        `(${model.inputNames.join(', ')})`,
    );
  model.inputs.forEach((input, k) => {
    const expected = input.shape.slice(1);
    const shape = data.inputs[k].shape;
    if (!sameShape(expected, shape))
      throw new Error(
        `${field}.inputs[${k}]: examples of shape [${shape.join(', ')}], but the ${role}'s input "${model.inputNames[k]}" ` +
          `takes [${expected.map((d) => d ?? 'any').join(', ')}]`,
      );
  });
}

function outputWidth(model: LayersModel): number {
  return exampleSize(model.outputs[0].shape.slice(1) as number[]);
}

function checkTarget(data: TensorDataset, field: string, task: TaskKind, student: LayersModel): void {
  const width = outputWidth(student);
  const { values, shape } = data.target;
  if (task === 'regression') {
    if (exampleSize(shape) !== width)
      throw new Error(
        `${field}.target: ${exampleSize(shape)} values per example, but the student outputs ${width}`,
      );
    return;
  }
  if (exampleSize(shape) !== 1)
    throw new Error(
      `${field}.target: expected one class label per example (shape [] or [1]), got [${shape.join(', ')}]`,
    );
  for (let i = 0; i < values.length; i++) {
    const label = values[i];
    if (!Number.isInteger(label))
      throw new Error(
        `${field}.target: class labels must be whole numbers (int32); example ${i} has ${label}`,
      );
    if (label < 0 || label >= width)
      throw new Error(
        `${field}.target: example ${i} has class ${label}, outside the student's ${width} outputs (classes 0..${width - 1})`,
      );
  }
}

/**
 * Checks what `distill()` is given before any training: the task, the models, and that every
 * dataset's arrays agree with its size and with the models' inputs, and its labels with the task.
 */
export function checkDistillInputs(options: InputsToCheck): void {
  if (!TASKS.includes(options.task))
    throw new Error(
      `task: expected one of ${TASKS.map((t) => `"${t}"`).join(', ')}, got ${JSON.stringify(options.task)}`,
    );
  const models = { student: options.student, teacher: options.teacher, assistant: options.assistant };
  for (const [role, model] of Object.entries(models))
    if ((model !== undefined || role === 'student') && !(model instanceof tf.LayersModel))
      throw new Error(
        `${role}: expected a tfjs LayersModel (tf.model(...), tf.sequential(...) or loadModel(...))`,
      );
  if (options.data == null || typeof options.data !== 'object')
    throw new Error('data: expected { train: TensorDataset, validation?: TensorDataset }');
  const sets = { 'data.train': options.data.train, 'data.validation': options.data.validation };
  for (const [field, data] of Object.entries(sets)) {
    if (data === undefined && field === 'data.validation') continue;
    checkDataset(data!, field);
    for (const [role, model] of Object.entries(models)) if (model) checkFits(model, role, data!, field);
    checkTarget(data!, field, options.task, options.student);
  }
}
