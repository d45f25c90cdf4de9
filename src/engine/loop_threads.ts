import { once } from 'node:events';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { LoopThreads } from './kernels/wasm_loops.js';
import { packagePath } from './package_root.js';

/**
 * Helper threads for the kernel pack's loops on the threaded wasm binary: Node worker threads that
 * instantiate a loop module on the backend's shared memory and run the chunks of calls they claim
 * from a shared counter, as the calling thread does (`claim`). Each waits on its slot of a shared
 * Int32Array (Atomics, no polling); the calling thread blocks the same way until they are done, as
 * a kernel must return its result synchronously.
 */

const WORKER = packagePath('src', 'engine', 'loop_threads_worker.cjs');
/** A helper's state: waiting for calls, running them, or failed (its error on its port). */
const IDLE = 0;
const WORK = 1;
const FAILED = 2;

interface Helper {
  worker: Worker;
  /** This thread's end of the helper's channel: calls go out, errors come back. */
  port: MessagePort;
  /** The ids of the modules this helper has an instance of. */
  has: Set<number>;
}

export class WorkerLoopThreads implements LoopThreads {
  /** Ids of the modules sent to the helpers, which keep an instance of each. */
  private readonly modules = new Map<WebAssembly.Module, number>();
  private started = 0;

  private constructor(
    private readonly helpers: Helper[],
    private readonly state: Int32Array,
    /** The index of the next chunk to claim, shared by every thread. */
    private readonly next: Int32Array,
  ) {}

  /** `count` helper threads on `memory`, once each has started. */
  static async start(memory: WebAssembly.Memory, count: number): Promise<WorkerLoopThreads> {
    const state = new Int32Array(new SharedArrayBuffer(4 * count));
    const next = new Int32Array(new SharedArrayBuffer(4));
    const helpers = Array.from({ length: count }, (_, index) => {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER, {
        workerData: { memory, state, next, index, port: port2, IDLE, WORK, FAILED },
        transferList: [port2],
        // As for the binary's own threads (wasm_threads.ts): this process's options may not apply.
        execArgv: [],
      });
      return { worker, port: port1, has: new Set<number>() };
    });
    try {
      await Promise.all(helpers.map(({ worker }) => once(worker, 'message')));
    } catch (error) {
      for (const { worker } of helpers) void worker.terminate();
      throw new Error(`a helper thread of the wasm loops did not start: ${(error as Error).message}`);
    }
    // They wait for calls forever, which must not keep Node from exiting.
    for (const { worker } of helpers) worker.unref();
    return new WorkerLoopThreads(helpers, state, next);
  }

  get count(): number {
    return this.helpers.length;
  }

  start(module: WebAssembly.Module, name: string, chunks: number[][][]): void {
    if (this.started > 0) throw new Error('the wasm loops started helper threads that are still running');
    const id = this.modules.get(module) ?? this.modules.size;
    this.modules.set(module, id);
    Atomics.store(this.next, 0, 0);
    this.helpers.forEach(({ port, has }, index) => {
      port.postMessage({ id, module: has.has(id) ? undefined : module, name, chunks });
      has.add(id);
      Atomics.store(this.state, index, WORK);
      Atomics.notify(this.state, index);
    });
    this.started = this.helpers.length;
  }

  claim(): number {
    return Atomics.add(this.next, 0, 1);
  }

  wait(): void {
    const errors: string[] = [];
    for (let index = 0; index < this.started; index++) {
      while (Atomics.load(this.state, index) === WORK) Atomics.wait(this.state, index, WORK);
      if (Atomics.load(this.state, index) === FAILED) {
        errors.push(String(receiveMessageOnPort(this.helpers[index].port)?.message));
        this.helpers[index].has.clear();
        Atomics.store(this.state, index, IDLE);
      }
    }
    this.started = 0;
    if (errors.length > 0) throw new Error(`a helper thread of the wasm loops failed: ${errors.join('\n')}`);
  }

  /** Ends the helpers (with the backend they serve). */
  terminate(): void {
    for (const { worker, port } of this.helpers) {
      void worker.terminate();
      port.close();
    }
  }
}
