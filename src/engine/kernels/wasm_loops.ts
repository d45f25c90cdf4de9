import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/**
 * Hand-written WebAssembly loops (the kernel pack's .wat files) run on the wasm backend's own
 * memory, which they import: they read and write tensors in place, at their heap offsets.
 */

/** The bytes of a module the build script stored as base64. */
export const decodeWasm = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** The backend's memory: exported by the unthreaded binaries, imported (and kept) by the threaded one. */
export function memoryOf(backend: BackendWasm): WebAssembly.Memory {
  const wasm = backend.wasm as unknown as {
    asm: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  const memory = wasm.asm.memory ?? wasm.wasmMemory;
  if (memory == null) throw new Error('the kernel pack found no memory on the wasm backend');
  return memory;
}

/**
 * Threads beside the calling one that run a loop module's exports on the threaded binary's shared
 * memory. The binary's own threads cannot: they wait inside its thread pool, which it does not
 * export, and each has its own function table, where a loop from another module has no place. The
 * Node loader of that binary (wasm_threads.ts) starts these; the kernel pack itself imports
 * nothing from Node.
 */
export interface LoopThreads {
  /** How many threads there are beside the calling one. */
  readonly count: number;
  /**
   * Starts every helper on `chunks`: each claims the next unclaimed chunk and calls export `name`
   * of `module` (a module compiled for the shared memory) with each of its calls' arguments in
   * turn, until none is left. Returns at once.
   */
  start(module: WebAssembly.Module, name: string, chunks: number[][][]): void;
  /** Claims a chunk of the started ones for the calling thread: its index, past the last if none is left. */
  claim(): number;
  /** Blocks until every started helper has finished; throws a helper's error. */
  wait(): void;
}

const loopThreads = new WeakMap<BackendWasm, LoopThreads>();

/** Gives the loops of `backend` helper threads (the threaded binary with more than one thread). */
export function setLoopThreads(backend: BackendWasm, threads: LoopThreads): void {
  loopThreads.set(backend, threads);
}

/** The helper threads of `backend`'s loops, if it has any. */
export const loopThreadsOf = (backend: BackendWasm): LoopThreads | undefined => loopThreads.get(backend);

/** The threads the loops can run on with `backend`: this one and its helpers. */
export const loopThreadCount = (backend: BackendWasm): number => 1 + (loopThreads.get(backend)?.count ?? 0);

/**
 * `items` split into contiguous ranges [first, count] that shrink as they go: each takes
 * `fraction` of the items left (at least one). Threads that claim them in order finish nearly
 * together, as the ranges claimed last, when one thread is done and waits for the others, are
 * the smallest. The ranges depend on `items` and `fraction` alone.
 */
export function splitShrinking(items: number, fraction: number): [first: number, count: number][] {
  const ranges: [number, number][] = [];
  for (let first = 0; first < items;) {
    const count = Math.max(1, Math.ceil((items - first) * fraction));
    ranges.push([first, count]);
    first += count;
  }
  return ranges;
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

  /**
   * Runs export `name` over `chunks` (lists of calls, each call's arguments in turn), which this
   * thread and the backend's helper threads claim one at a time until none is left, so that a
   * thread slowed by other work takes fewer. Returns once every chunk is done. The chunks must
   * write disjoint memory; the loops must be bound (`bind` not null).
   */
  run(backend: BackendWasm, name: keyof Exports & string, chunks: number[][][]): void {
    const loop = this.bind(backend)![name] as (...args: number[]) => void;
    const threads = chunks.length > 1 ? loopThreads.get(backend) : undefined;
    if (threads == null) {
      for (const chunk of chunks) for (const args of chunk) loop(...args);
      return;
    }
    threads.start(this.compile(true)!, name, chunks);
    try {
      for (let k = threads.claim(); k < chunks.length; k = threads.claim()) {
        for (const args of chunks[k]) loop(...args);
      }
    } finally {
      // The helpers write into tensors this thread may free or reuse once it returns.
      threads.wait();
    }
  }

  private compile(shared: boolean): WebAssembly.Module | null {
    if (!this.compiled.has(shared)) {
      const bytes = decodeWasm(shared ? this.shared : this.unshared);
      this.compiled.set(shared, WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
    }
    return this.compiled.get(shared)!;
  }
}

/** A tensor's byte offset on the heap: unlike a view, it stays valid when allocating grows the memory. */
export const heapPointer = (backend: BackendWasm, x: tf.TensorInfo): number =>
  backend.dataIdMap.get(x.dataId)!.memoryOffset;
