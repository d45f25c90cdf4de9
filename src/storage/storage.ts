/**
 * Where a training run keeps its checkpoints and metrics: named files below one place. The core
 * (models, methods, the training loop, `distill()`) reads and writes only through this, so that
 * it runs wherever a storage exists: `fileStorage` in Node, `memoryStorage` anywhere.
 */
export interface RunStorage {
  /** A file's bytes, or undefined when there is none. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Replaces a file whole: an interrupted write leaves the old content, never part of the new. */
  write(name: string, data: Uint8Array | string): Promise<void>;
  /** Removes a file; no error when there is none. */
  remove(name: string): Promise<void>;
  /** The storage of a sub-folder. */
  child(name: string): RunStorage;
  /** Where a file is, for messages (a path, or a name in memory). */
  where(name?: string): string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const toBytes = (data: Uint8Array | string): Uint8Array =>
  typeof data === 'string' ? encoder.encode(data) : data;

/** A file's text, or undefined when there is none. */
export async function readText(storage: RunStorage, name: string): Promise<string | undefined> {
  const bytes = await storage.read(name);
  return bytes && decoder.decode(bytes);
}

/** Files in a map, for a browser page or tests; children share the map under a path prefix. */
export function memoryStorage(files = new Map<string, Uint8Array>(), prefix = ''): RunStorage {
  const key = (name: string) => `${prefix}${name}`;
  return {
    read: async (name) => files.get(key(name))?.slice(),
    write: async (name, data) => void files.set(key(name), toBytes(data).slice()),
    remove: async (name) => void files.delete(key(name)),
    child: (name) => memoryStorage(files, `${prefix}${name}/`),
    where: (name) => (name ? key(name) : prefix || '(memory)'),
  };
}

/**
 * Replaces a data file and the index that names it so that a kill at any moment leaves a complete
 * pair, the old or the new: the data goes to its new name first, then the index is replaced (one
 * atomic write), and only then is the data file the old index named removed.
 */
export async function switchFiles(
  storage: RunStorage,
  file: { name: string; data: Uint8Array },
  index: { name: string; text: string },
  previous: string | undefined,
): Promise<void> {
  await storage.write(file.name, file.data);
  await storage.write(index.name, index.text);
  if (previous && previous !== file.name) await storage.remove(previous);
}
