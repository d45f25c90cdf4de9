import { tf } from '../tf.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';

/**
 * UnsortedSegmentSum, which the wasm backend lacks: the gradient of Gather (embeddings) scatters
 * the rows of dy back to their ids with it. It is a memory-bound scatter-add, so it runs in JS
 * straight on views of the wasm heap, with no copies.
 */
function unsortedSegmentSum({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs as { numSegments: number };
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rowSize = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
  const target = backend.typedArrayFromHeap(out);
  const source = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  target.fill(0);
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    // Like TensorFlow, ids outside [0, numSegments) are dropped.
    if (id < 0 || id >= numSegments) continue;
    const from = r * rowSize;
    const to = id * rowSize;
    for (let k = 0; k < rowSize; k++) target[to + k] += source[from + k];
  }
  return out;
}

export function registerUnsortedSegmentSum(): void {
  overrideWasmKernel('UnsortedSegmentSum', () => unsortedSegmentSum);
}
