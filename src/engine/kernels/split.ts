import { tf } from '../tf.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';
import { copyValues, type HeapValues } from './wasm_memory.js';

/**
 * SplitV (the gradient of every concat, e.g. of the two embeddings a recommender joins) as row
 * copies on the wasm heap. The built-in slices each piece from a full copy of the input
 * (readSync), so splitting one tensor into k pieces copied it k times over.
 */
function splitV({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo[] {
  const { x } = inputs;
  const { numOrSizeSplits, axis } = attrs as { numOrSizeSplits: number[] | number; axis: number };
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, $axis));
  const inner = tf.util.sizeFromShape(x.shape.slice($axis + 1));
  const pieces = sizes.map((size) =>
    backend.makeOutput([...x.shape.slice(0, $axis), size, ...x.shape.slice($axis + 1)], x.dtype),
  );
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
  const source = backend.typedArrayFromHeap(x) as HeapValues;
  const rowLength = x.shape[$axis] * inner;
  let begin = 0;
  pieces.forEach((piece, i) => {
    const target = backend.typedArrayFromHeap(piece) as HeapValues;
    const length = sizes[i] * inner;
    for (let row = 0; row < outer; row++)
      copyValues(source, row * rowLength + begin, target, row * length, length);
    begin += length;
  });
  return pieces;
}

export function registerSplit(): void {
  overrideWasmKernel('SplitV', () => splitV);
}
