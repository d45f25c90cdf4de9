import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { tf } from './tf.js';
import { registerWasmKernels } from './kernels/index.js';
import { backendThreads } from './backend_threads.js';
import { threadedWasmBackend } from './wasm_threads.js';

/** A backend a user may ask for; `auto` picks the fastest one that loads here. */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
/** A backend that actually runs. */
export type BackendName = Exclude<BackendRequest, 'auto'>;

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);

export const THREADS_ENV = 'TALKING_MODELS_THREADS';
/** The threaded binary's own limit: it starts 8 worker threads and caps its pool there. */
export const MAX_THREADS = 8;

/**
 * The threads the wasm backend computes on when neither the `threads` setting nor
 * TALKING_MODELS_THREADS says: every core, up to MAX_THREADS (measured faster than one thread on
 * an idle machine for every workload of docs/results/speed.md); on one core, tfjs's unthreaded
 * SIMD binary. `jobs` processes sharing the cores get a share each.
 */
export const defaultThreads = (jobs = 1, cores = availableParallelism()): number =>
  Math.max(1, Math.min(MAX_THREADS, Math.floor(cores / jobs)));

export interface BackendSettings {
  /**
   * Threads of the wasm backend (1 to 8): 1 runs the unthreaded SIMD binary, more the threaded
   * one (XNNPACK splitting each product and convolution over its output tiles, so results do not
   * depend on the count). Default: TALKING_MODELS_THREADS, else `defaultThreads`. Other backends
   * ignore the variable, and refuse the setting above 1.
   */
  threads?: number;
  /** Run the threaded binary even with 1 thread (to compare it with the unthreaded one). */
  threadedBinary?: boolean;
  /**
   * The threads when neither `threads` nor TALKING_MODELS_THREADS says (default: `defaultThreads()`,
   * every core); a process that shares the cores with others passes its share.
   */
  defaultThreads?: number;
}

function checkThreads(value: number, source: string, text = String(value)): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new Error(`${source} must be a whole number from 1 to ${MAX_THREADS}, got ${text}`);
  }
  return value;
}

/** The threads to use: `threads` if given, else TALKING_MODELS_THREADS, else `fallback`. */
export function resolveThreads(threads?: number, fallback = defaultThreads()): number {
  if (threads !== undefined) return checkThreads(threads, 'threads');
  const variable = process.env[THREADS_ENV];
  if (variable === undefined || variable.trim() === '') return fallback;
  return checkThreads(Number(variable), THREADS_ENV, `"${variable}"`);
}

/**
 * `@tensorflow/tfjs-node` is an optional dependency: its install script downloads a native
 * library, which fails on offline machines, and npm then leaves it out. Loading it registers the
 * `tensorflow` backend on the same tfjs-core instance.
 */
async function loadTensorflowBackend(): Promise<void> {
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'it needs @tensorflow/tfjs-node, which is not installed here (its install script downloads ' +
        'libtensorflow). Use --backend wasm or cpu.',
    );
  }
}

/** Which wasm binary, with how many threads. */
interface WasmBinary {
  threaded: boolean;
  threads: number;
}
const sameBinary = (a: WasmBinary, b: WasmBinary) => a.threaded === b.threaded && a.threads === b.threads;

/** tfjs's own wasm factory (the unthreaded binary), kept while another is registered. */
let tfjsWasmFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | undefined;
let registeredBinary: WasmBinary = { threaded: false, threads: 1 };
/** tfjs's priority for wasm, which the replacement factory keeps. */
const WASM_PRIORITY = 2;

/**
 * Registers the factory of `binary` as the `wasm` backend (the kernel pack is registered under
 * that name), replacing, and disposing, a wasm backend on another binary or thread count.
 */
async function loadWasmBackend(binary: WasmBinary): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmKernels();
  tfjsWasmFactory ??= tf.findBackendFactory('wasm');
  if (sameBinary(binary, registeredBinary)) return;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    binary.threaded ? () => threadedWasmBackend(binary.threads) : tfjsWasmFactory!,
    WASM_PRIORITY,
  );
  registeredBinary = binary;
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Listener = (...args: unknown[]) => void;
const listenersOf = (event: (typeof PROCESS_EVENTS)[number]) =>
  process.listeners(event as 'uncaughtException') as Listener[];

/**
 * The Emscripten runtime of the wasm backend installs process handlers that re-throw every
 * uncaught error from inside its own minified source, so Node prints that whole 30 kB line above
 * the real message. Its handlers are removed once it is loaded, restoring Node's default report.
 */
async function withoutRuntimeHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  try {
    return await load();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of listenersOf(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
  }
}

/** Makes `name` the active backend, throwing why it cannot be. */
async function activate(name: BackendName, binary: WasmBinary): Promise<void> {
  if (name === 'tensorflow') await loadTensorflowBackend();
  if (name === 'wasm') await loadWasmBackend(binary);
  if (tf.findBackendFactory(name) == null) throw new Error('loading it did not register it with tfjs');
  // setBackend reports a failed initialisation by returning false after a console warning.
  const selected = await withoutRuntimeHandlers(() => tf.setBackend(name));
  if (!selected || tf.getBackend() !== name) throw new Error('its initialisation failed');
  await tf.ready();
}

/**
 * Selects and initialises the backend. `auto` tries tensorflow (tfjs-node), then wasm, then cpu;
 * an explicit request that cannot load is an error rather than a silent fallback, so that a
 * benchmark never reports one backend's numbers under another's name. Asking for wasm with
 * another thread count than the running wasm backend's replaces it (its tensors are lost): choose
 * the threads before making tensors.
 */
export async function initBackend(
  request: BackendRequest = 'auto',
  settings: BackendSettings = {},
): Promise<BackendName> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new Error(`Unknown backend "${String(request)}"; expected one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  const threads = resolveThreads(settings.threads, settings.defaultThreads);
  if ((request === 'cpu' || request === 'tensorflow') && settings.threads !== undefined && threads > 1) {
    throw new Error(`${threads} threads: threads apply to the wasm backend only, not to ${request}`);
  }
  const binary = { threaded: threads > 1 || !!settings.threadedBinary, threads };
  const order: BackendName[] = request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  const failures: string[] = [];
  for (const name of order) {
    const running = tf.engine().backendName === name;
    if (running && (name !== 'wasm' || sameBinary(binary, registeredBinary))) return name;
    try {
      await activate(name, binary);
      return name;
    } catch (error) {
      failures.push(`Backend "${name}" could not be initialised: ${(error as Error).message}`);
    }
  }
  throw new Error(failures.join('\n'));
}

export { backendThreads };

/** The backend for a log line, with the wasm backend's threads: `wasm, 2 threads`. */
export function describeBackend(name: BackendName): string {
  const threads = backendThreads();
  return name === 'wasm' ? `${name}, ${threads} thread${threads === 1 ? '' : 's'}` : name;
}

/** The version of tfjs-core in use, for result files. */
export function tfjsVersion(): string {
  return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}
