import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toBytes, type RunStorage } from './storage.js';

/**
 * Writes a file and flushes it to the disk, so that a later rename cannot reach the disk before
 * the data (after a power cut that would leave an empty file under the final name).
 */
async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The name writeFileAtomic gives its temporary copy ends in `.tmp-<writer's process id>`, so that
 * parallel writers never share one; this reads the id back.
 */
const TEMPORARY = /\.tmp-(\d+)$/;

/** Writes a file by renaming a complete temporary copy over it. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeDurably(tmp, data);
  await rename(tmp, file);
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes, in `dir` (and its subfolders if `recursive`), the temporary copies left by writers that
 * were killed between the write and the rename: otherwise a folder read file by file (a run's
 * cells) shows a stray half copy. A copy whose writer still runs is kept, so a parallel worker may
 * call this at any time.
 */
export async function removeStaleTemporaries(dir: string, recursive: boolean): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true, recursive }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const writer = TEMPORARY.exec(entry.name)?.[1];
    if (entry.isFile() && writer !== undefined && !isRunning(Number(writer)))
      await rm(join(entry.parentPath, entry.name), { force: true });
  }
}

/** A run's storage in a folder of the file system; every write is atomic (a renamed whole copy). */
export function fileStorage(dir: string): RunStorage {
  return {
    async read(name) {
      try {
        return await readFile(join(dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async write(name, data) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, name), toBytes(data));
    },
    remove: (name) => rm(join(dir, name), { force: true }),
    child: (name) => fileStorage(join(dir, name)),
    where: (name) => (name ? join(dir, name) : dir),
  };
}

/** Reads a file; a failure names the file and what it was meant to hold. */
export async function readOrExplain(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'no such file' : String(error)})`);
  }
}
