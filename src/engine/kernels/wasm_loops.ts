import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/**
 * Hand-written WebAssembly loops (the kernel pack's .wat files) run on the wasm backend's own
 * memory, which they import: they read and write tensors in place, at their heap offsets.
 */

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** The backend's memory: exported by the unthreaded binaries, imported (and kept) by the threaded one. */
function memoryOf(backend: BackendWasm): WebAssembly.Memory {
  const wasm = backend.wasm as unknown as {
    asm: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  const memory = wasm.asm.memory ?? wasm.wasmMemory;
  if (memory == null) throw new Error('the kernel pack found no memory on the wasm backend');
  return memory;
}

/**
 * One .wat module's loops, compiled for an unshared memory and for the threaded binary's shared
 * one (an import binds only to a memory of its own kind; scripts/build-wasm.ts makes both).
 */
export class WasmLoops<Exports> {
  private readonly compiled = new Map<boolean, WebAssembly.Module | null>();
  private readonly instances = new WeakMap<BackendWasm, Exports | null>();

  /** `unshared` and `shared`: the base64 bytes of the two variants. */
  constructor(
    private readonly unshared: string,
    private readonly shared: string,
  ) {}

  /**
   * The loops bound to the backend's memory; null where this engine cannot compile them (no
   * SIMD). atob, not Buffer: the kernel pack also runs in browsers. A loop that compiles but does
   * not bind is a fault, reported rather than hidden.
   */
  bind(backend: BackendWasm): Exports | null {
    if (!this.instances.has(backend)) {
      const memory = memoryOf(backend);
      const module = this.compile(memory.buffer instanceof SharedArrayBuffer);
      this.instances.set(
        backend,
        module && (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports),
      );
    }
    return this.instances.get(backend)!;
  }

  private compile(shared: boolean): WebAssembly.Module | null {
    if (!this.compiled.has(shared)) {
      const bytes = decode(shared ? this.shared : this.unshared);
      this.compiled.set(shared, WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
    }
    return this.compiled.get(shared)!;
  }
}

/** A tensor's byte offset on the heap: unlike a view, it stays valid when allocating grows the memory. */
export const heapPointer = (backend: BackendWasm, x: tf.TensorInfo): number =>
  backend.dataIdMap.get(x.dataId)!.memoryOffset;
