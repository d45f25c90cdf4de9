import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../models/io.js';
import { toBytes, type RunStorage } from './storage.js';

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
