import { overrideWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm_backend.js';

/**
 * Identity, and Cast to the same dtype, share their input's data on the wasm backend, as they do
 * on the cpu backend: the wasm kernels copy the whole tensor, and autodiff calls them on every
 * activation (gradient pass-through, casts in tf.moments), which added up to a tenth of a
 * conv-net training step. Tensor data is never written in place, so sharing is safe.
 */
function share({ inputs: { x }, backend }: WasmKernelArgs) {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function makeCast(builtin: WasmKernelFunc | undefined): WasmKernelFunc {
  if (!builtin) throw new Error('The wasm backend has no Cast kernel to build on');
  return (args) =>
    (args.attrs as { dtype: string }).dtype === args.inputs.x.dtype ? share(args) : builtin(args);
}

export function registerSharedIdentity(): void {
  overrideWasmKernel(
    'Identity',
    (builtin) => (args) => (args.inputs.x.dtype === 'string' ? builtin!(args) : share(args)),
  );
  overrideWasmKernel('Cast', makeCast);
}
