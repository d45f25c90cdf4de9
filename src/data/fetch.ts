import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { ArchiveDownload } from './sources.js';

/** A response body and, when the server sends it, its length. */
export interface FetchedBody {
  length?: number;
  body: AsyncIterable<Uint8Array>;
}

/** Fetches a URL; injected so tests never touch the network. */
export type Fetcher = (url: string) => Promise<FetchedBody>;

export const fetchUrl: Fetcher = async (url) => {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const length = response.headers.get('content-length');
  return { length: length === null ? undefined : Number(length), body: response.body };
};

/**
 * Downloads `download` to `file`, hashing while it streams to `file.part`; the file appears under
 * its name only once it has exactly the published size and SHA-256, so an interrupted or
 * tampered download is never mistaken for a good one.
 */
export async function fetchVerified(
  download: ArchiveDownload,
  file: string,
  fetcher: Fetcher,
): Promise<void> {
  const { url, bytes, sha256 } = download;
  const partial = `${file}.part`;
  try {
    const { length, body } = await fetcher(url);
    if (length !== undefined && length !== bytes) {
      throw new Error(`${url} is ${length} bytes but ${bytes} were published (has the file changed?)`);
    }
    const hash = createHash('sha256');
    let received = 0;
    const out = await open(partial, 'w');
    try {
      for await (const chunk of body) {
        received += chunk.length;
        if (received > bytes) throw new Error(`${url} sends more than the published ${bytes} bytes`);
        hash.update(chunk);
        await out.write(chunk);
      }
    } finally {
      await out.close();
    }
    if (received !== bytes) {
      throw new Error(`incomplete download of ${url}: received ${received} of ${bytes} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256)
      throw new Error(`checksum mismatch for ${url}: SHA-256 ${actual}, expected ${sha256}`);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}
