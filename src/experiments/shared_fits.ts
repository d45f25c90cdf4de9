import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SharedFit, SharedFitKey, SharedFits } from '../distill/shared_fits.js';
import { writeFileAtomic } from '../storage/files.js';
import { canonicalJson } from '../util/canonical_json.js';

/** SHA-256 over a key's label, settings and the bytes of its arrays (with their sizes, so no two keys run together). */
export function sharedFitId({ label, settings, arrays }: SharedFitKey): string {
  const hash = createHash('sha256').update(
    canonicalJson({ label, settings, arrays: arrays.map((a) => [a.constructor.name, a.byteLength]) }),
  );
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex').slice(0, 24);
}

interface StoredFit {
  label: string;
  /** Each weight's float32 bytes, base64: exactly the trained values. */
  weights: string[];
  history: SharedFit['history'];
}

/**
 * A run's shared fits as files of `dir`, one per key, each written atomically: parallel workers
 * that need one fit at once may both compute it (the same values), but none reads a half-written
 * file.
 */
export function sharedFitsIn(dir: string): SharedFits {
  return {
    async get(key, fit) {
      const file = join(dir, `${sharedFitId(key)}.json`);
      if (existsSync(file)) {
        const stored = JSON.parse(await readFile(file, 'utf8')) as StoredFit;
        return {
          weights: stored.weights.map((w) => {
            const bytes = Buffer.from(w, 'base64');
            return new Float32Array(
              bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
            );
          }),
          history: stored.history,
        };
      }
      const result = await fit();
      const stored: StoredFit = {
        label: key.label,
        weights: result.weights.map((w) =>
          Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'),
        ),
        history: result.history,
      };
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file, JSON.stringify(stored));
      return result;
    },
  };
}
