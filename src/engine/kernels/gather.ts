import { tf } from '../tf.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';
import { copyValues, type HeapValues } from './wasm_memory.js';

/**
 * GatherV2 (embedding lookups, tf.gather) as slice copies on the wasm heap. The built-in kernel
 * copies element by element through generic strides, which made the two embedding lookups of a
 * 1024-example batch cost about 5 ms, more than a dense layer's product; it also returns wrong
 * values when batchDims > 0 (tfjs 4.22).
 */
function gather({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, indices } = inputs;
  const { batchDims } = attrs as { batchDims: number };
  const axis = tf.util.parseAxisParam((attrs as { axis: number }).axis, x.shape)[0];
  const batch = tf.util.sizeFromShape(x.shape.slice(0, batchDims));
  const outer = tf.util.sizeFromShape(x.shape.slice(batchDims, axis));
  const dim = x.shape[axis];
  const slice = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const perBatch = tf.util.sizeFromShape(indices.shape) / batch;
  const out = backend.makeOutput(
    [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)],
    x.dtype,
  );
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
  const source = backend.typedArrayFromHeap(x) as HeapValues;
  const ids = backend.typedArrayFromHeap(indices);
  const target = backend.typedArrayFromHeap(out) as HeapValues;
  let to = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      const base = (b * outer + o) * dim;
      for (let i = 0; i < perBatch; i++) {
        const id = ids[b * perBatch + i];
        if (!(id >= 0 && id < dim)) {
          backend.disposeData(out.dataId);
          throw new Error(`GatherV2: index ${id} (position ${b * perBatch + i}) is not in [0, ${dim - 1}]`);
        }
        copyValues(source, (base + id) * slice, target, to, slice);
        to += slice;
      }
    }
  }
  return out;
}

export function registerGather(): void {
  overrideWasmKernel('GatherV2', () => gather);
}
