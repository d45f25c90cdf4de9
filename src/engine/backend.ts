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
async function loadTensorflowBackend(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-node' as string);
    return tf.findBackendFactory('tensorflow') != null;
  } catch {
    return false;
  }
}

async function loadWasmBackend(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmKernels();
    return tf.findBackendFactory('wasm') != null;
  } catch {
    return false;
  }
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

async function activate(name: BackendName): Promise<boolean> {
  const loaded =
    name === 'tensorflow' ? await loadTensorflowBackend() : name === 'wasm' ? await loadWasmBackend() : true;
  if (!loaded) return false;
  try {
    const selected = await withoutRuntimeHandlers(async () => {
      const ok = await tf.setBackend(name);
      await tf.ready();
      return ok;
    });
    return selected && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * On its first tensor in Node, the cpu backend prints a banner advising tfjs-node; our commands
 * say which backend runs themselves, and the banner would litter every test and result log.
 * The backend keeps that state in a `firstUse` field.
 */
function silenceCpuBanner(): void {
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
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
  for (const name of order) {
    if (tf.getBackend() === name && tf.engine().backendName === name) return name;
    if (await activate(name)) {
      await tf.ready();
      if (name === 'cpu') silenceCpuBanner();
      return name;
    }
  }
  if (request === 'tensorflow') {
    throw new Error(
      'Backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed here (its install ' +
        'script downloads libtensorflow). Use --backend wasm or cpu.',
    );
  }
  throw new Error(`Backend "${request}" could not be initialised`);
}

/** The version of tfjs-core in use, for result files. */
export function tfjsVersion(): string {
  return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}
