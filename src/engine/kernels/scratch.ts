import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import type { WasmKernelFunc } from './wasm_backend.js';

type Info = tf.TensorInfo;

/** The kernel currently registered on wasm, so that a replacement can build on the others. */
export function wasmKernel(name: string): WasmKernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config == null) throw new Error(`The wasm backend has no ${name} kernel to build on`);
  return config.kernelFunc as unknown as WasmKernelFunc;
}

/**
 * Runs wasm kernels on behalf of a composite kernel and frees every intermediate result it made
 * once the caller is done: kernels get no tidy scope of their own.
 */
export class Scratch {
  private readonly made: Info[] = [];
  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
    return this.keep(wasmKernel(name)({ inputs, backend: this.backend, attrs }) as Info);
  }

  /** A new tensor holding `values` (small operands computed in JS). */
  tensor(shape: number[], values: Float32Array | Int32Array): Info {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    return this.keep(this.backend.makeOutput(shape, dtype, undefined, values));
  }

  /** An uninitialised float32 tensor, for results written straight into the heap. */
  output(shape: number[]): Info {
    return this.keep(this.backend.makeOutput(shape, 'float32'));
  }

  /** Keeps `result` and frees the rest. */
  finish(result: Info): Info {
    for (const info of this.made) if (info.dataId !== result.dataId) this.backend.disposeData(info.dataId);
    return result;
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  private keep(info: Info): Info {
    this.made.push(info);
    return info;
  }
}

/** `x` seen with another shape of the same size, sharing its data (as the Reshape kernel does). */
export function reshaped(x: Info, shape: number[]): Info {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}
