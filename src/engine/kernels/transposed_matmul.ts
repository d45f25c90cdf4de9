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
    const builtin: WasmKernelFunc = maybeBuiltin;
    return (args: WasmKernelArgs) => {
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return builtin(args);
      const { backend } = args;
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

export function registerTransposedMatMul(): void {
  withPlainOperands('BatchMatMul');
  withPlainOperands('_FusedMatMul');
}
