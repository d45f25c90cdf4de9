/** A tensor's values as a view on the wasm heap (BackendWasm.typedArrayFromHeap). */
export type HeapValues = Float32Array | Int32Array | Uint8Array;

/**
 * Below this many values a plain loop beats making a subarray and copying it with set(): for the
 * 64-value rows of an embedding lookup, 0.1 ms against 0.4 ms per 1024 rows.
 */
const SHORT_RUN = 128;

/** Copies `length` values from `source` at `from` to `target` at `to` (views of one dtype). */
export function copyValues(
  source: HeapValues,
  from: number,
  target: HeapValues,
  to: number,
  length: number,
): void {
  if (length < SHORT_RUN) for (let k = 0; k < length; k++) target[to + k] = source[from + k];
  else target.set(source.subarray(from, from + length), to);
}
