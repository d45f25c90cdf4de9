import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { memoryOf, setLoopThreads } from './kernels/wasm_loops.js';
import { WorkerLoopThreads } from './loop_threads.js';
import { packagePath } from './package_root.js';

/**
 * tfjs-backend-wasm's threaded SIMD binary (XNNPACK with a pthreadpool), loaded under Node.
 * tfjs's own loader never picks it there (its WASM_HAS_MULTITHREAD_SUPPORT flag is false under
 * Node, tfjs issue 3830, because it hands Emscripten the worker script and the module as Blob
 * URLs), so this loads the package's Emscripten factory itself, as tfjs's `init()` would, with
 * the worker script as a file (wasm_threads_worker.cjs).
 */

const require = createRequire(import.meta.url);
const OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';
const FACTORY = require.resolve(`${OUT}.js`);
const BINARY = require.resolve(`${OUT}.wasm`);
const WORKER = packagePath('src', 'engine', 'wasm_threads_worker.cjs');

/** The parts of the Emscripten module this file uses (the rest is BackendWasm's business). */
type ThreadedModule = ConstructorParameters<typeof BackendWasm>[0] & {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
};
interface NodeWorker {
  unref(): void;
  terminate(): void;
}
type Imports = WebAssembly.Imports & { env: WebAssembly.ModuleImports };
interface FactoryConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(
    imports: Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
  onAbort(reason: unknown): void;
}

/**
 * The binary caps its pool at half the logical cores it is told of (backend.cc assumes two
 * hardware threads per core: `emscripten_num_logical_cores() / 2`), so on a 2-core machine it
 * never gives 2 threads. Its only source for the core count is the `emscripten_num_logical_cores`
 * import, which under Node returns `os.cpus().length`; this module's import alone is given twice
 * the requested count, so the cap lets that count through and nothing else in the process changes.
 */
const logicalCoresFor = (threads: number) => () => 2 * threads;

/**
 * Emscripten's glue sets `globalThis.Worker` to Node's Worker and starts its threads with it,
 * which hands each thread this process's Node options: options such as `--input-type` (of
 * `node -e`) make a worker fail to start. The threads run plain scripts, so they start with none.
 * Installed from `locateFile`, which the glue calls just before each `new Worker`.
 */
class PthreadWorker extends Worker {
  constructor(file: string) {
    super(file, { execArgv: [] });
  }
}

function locateFile(path: string, prefix: string): string {
  if (!path.endsWith('.worker.js')) return prefix + path;
  (globalThis as { Worker?: unknown }).Worker = PthreadWorker;
  return WORKER;
}

async function loadModule(threads: number): Promise<ThreadedModule> {
  const factory = require(FACTORY) as (config: FactoryConfig) => Promise<ThreadedModule>;
  const binary = await readFile(BINARY);
  // Emscripten's promise never settles when instantiation fails; this one reports it.
  let fail: (reason: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const module = await Promise.race([
    factory({
      locateFile,
      // Each worker thread evaluates the factory's own file to instantiate the module there.
      mainScriptUrlOrBlob: FACTORY,
      instantiateWasm(imports, receive) {
        imports.env.emscripten_num_logical_cores = logicalCoresFor(threads);
        WebAssembly.instantiate(binary, imports).then(
          ({ instance, module }) => receive(instance, module),
          fail,
        );
        return {};
      },
      onAbort: (reason) => fail(new Error(`the threaded wasm binary aborted: ${String(reason)}`)),
    }),
    failed,
  ]);
  // The functions tfjs's loader binds on the module before handing it to BackendWasm.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * A wasm backend on the threaded binary with `threads` threads (the calling thread and
 * `threads - 1` workers). Emscripten starts a pool of 8 worker threads up front; those the
 * thread pool does not use are ended, and the used ones are unreferenced, since they wait for work
 * forever and would otherwise keep Node from exiting. The kernel pack's own loops get `threads - 1`
 * helper threads of their own (loop_threads.ts), ended with the backend.
 */
export async function threadedWasmBackend(threads: number): Promise<BackendWasm> {
  const module = await loadModule(threads);
  setThreadsCount(threads);
  const backend = new BackendWasm(module);
  const { PThread } = module;
  for (const worker of PThread.unusedWorkers) worker.terminate();
  PThread.unusedWorkers.length = 0;
  for (const worker of PThread.runningWorkers) worker.unref();
  if (threads > 1) {
    const helpers = await WorkerLoopThreads.start(memoryOf(backend), threads - 1);
    setLoopThreads(backend, helpers);
    const dispose = backend.dispose.bind(backend);
    backend.dispose = () => {
      helpers.terminate();
      dispose();
    };
  }
  return backend;
}
