import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { registerWasmKernels } from './kernels/index.js';

/** A backend a user may ask for; `auto` picks the fastest one that loads here. */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
/** A backend that actually runs. */
export type BackendName = Exclude<BackendRequest, 'auto'>;

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);

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

async function loadWasmBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmKernels();
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
async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow') await loadTensorflowBackend();
  if (name === 'wasm') await loadWasmBackend();
  if (tf.findBackendFactory(name) == null) throw new Error('loading it did not register it with tfjs');
  // setBackend reports a failed initialisation by returning false after a console warning.
  const selected = await withoutRuntimeHandlers(() => tf.setBackend(name));
  if (!selected || tf.getBackend() !== name) throw new Error('its initialisation failed');
  await tf.ready();
}

/**
 * Selects and initialises the backend. `auto` tries tensorflow (tfjs-node), then wasm, then cpu;
 * an explicit request that cannot load is an error rather than a silent fallback, so that a
 * benchmark never reports one backend's numbers under another's name.
 */
export async function initBackend(request: BackendRequest = 'auto'): Promise<BackendName> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new Error(`Unknown backend "${String(request)}"; expected one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  const order: BackendName[] = request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  const failures: string[] = [];
  for (const name of order) {
    if (tf.engine().backendName === name) return name;
    try {
      await activate(name);
      return name;
    } catch (error) {
      failures.push(`Backend "${name}" could not be initialised: ${(error as Error).message}`);
    }
  }
  throw new Error(failures.join('\n'));
}

/** The version of tfjs-core in use, for result files. */
export function tfjsVersion(): string {
  return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}
