import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import {
  overrideWasmKernel,
  transposeLastTwo,
  type WasmKernelArgs,
  type WasmKernelFunc,
} from './wasm_backend.js';

/**
 * The wasm backend's matrix products run at XNNPACK speed only for plain operands: with
 * transposeA or transposeB (every backward pass of a dense layer) they fall back to loops about
 * 5-20x slower. Transposing the operand first costs one pass over it and restores the fast path.
 */
function withPlainOperands(kernelName: 'BatchMatMul' | '_FusedMatMul'): void {
  overrideWasmKernel(kernelName, (maybeBuiltin) => {
    if (!maybeBuiltin) throw new Error(`The wasm backend has no ${kernelName} kernel to build on`);
    const builtin = withFreshPacking(maybeBuiltin);
    return (args: WasmKernelArgs) => {
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return builtin(args);
      const { backend } = args;
      if (kernelName === 'BatchMatMul' && transposeA && !transposeB && packsLessSwapped(args.inputs)) {
        return swappedProduct(builtin, args);
      }
      const a = transposeA ? transposeLastTwo(args.inputs.a, backend) : args.inputs.a;
      const b = transposeB ? transposeLastTwo(args.inputs.b, backend) : args.inputs.b;
      try {
        return builtin({
          ...args,
          inputs: { ...args.inputs, a, b },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        if (transposeA) backend.disposeData(a.dataId);
        if (transposeB) backend.disposeData(b.dataId);
      }
    };
  });
}

/**
 * The backend's fast product caches XNNPACK's packing of the right operand under the operand's
 * tensor id, with no shape in the key (tfjs-backend-wasm's batch_mat_mul_impl.cc). Data shared
 * under another shape (a reshape, or a transpose that moves no data) would then run on the first
 * shape's packing: wrong values, and reads past the operand (a full E1 run on such transposes
 * aborted inside the wasm binary). A right operand seen before with other inner dimensions is
 * multiplied from a copy.
 */
const packedAs = new WeakMap<object, string>();

function withFreshPacking(builtin: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { b } = args.inputs;
    const inner = b.shape.slice(-2).join('x');
    const packed = packedAs.get(b.dataId);
    if (packed === undefined) packedAs.set(b.dataId, inner);
    if (packed === undefined || packed === inner) return builtin(args);
    const copy = copied(b, args.backend);
    try {
      return builtin({ ...args, inputs: { ...args.inputs, b: copy } });
    } finally {
      args.backend.disposeData(copy.dataId);
    }
  };
}

function copied(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, x.dtype);
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
  (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(x) as Float32Array);
  return out;
}

/**
 * XNNPACK packs the right operand of every product anew whenever its data is new, as it is for
 * every gradient, at about 17 ns per value: four times the cost per value of the product itself
 * for a 1024-example weight gradient Aᵀ·B. When A is the narrower operand, (Bᵀ·A)ᵀ packs A instead.
 */
function packsLessSwapped({ a, b }: Record<string, tf.TensorInfo>): boolean {
  return a.shape[a.shape.length - 1] < b.shape[b.shape.length - 1];
}

/** Aᵀ·B as (Bᵀ·A)ᵀ; the transposes run on the fast Transpose kernel. */
function swappedProduct(builtin: WasmKernelFunc, args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { a, b } = args.inputs;
  const bt = transposeLastTwo(b, backend);
  const product = builtin({
    ...args,
    inputs: { a: bt, b: a },
    attrs: { ...args.attrs, transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  try {
    return transposeLastTwo(product, backend);
  } finally {
    backend.disposeData(bt.dataId);
    backend.disposeData(product.dataId);
  }
}

export function registerTransposedMatMul(): void {
  withPlainOperands('BatchMatMul');
  withPlainOperands('_FusedMatMul');
}
