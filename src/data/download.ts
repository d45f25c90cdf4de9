import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { SOURCES, type DatasetSource } from './sources.js';

/** Fetches a URL's bytes; injected so tests never touch the network. */
export type Fetcher = (url: string) => Promise<Uint8Array>;

const fetchBytes: Fetcher = async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
};

export interface DataLocation {
  /** `--data-dir`, if given. */
  dataDir?: string;
  /** Overrides TALKING_MODELS_CACHE_DIR / ~/.cache/talking-models. */
  cacheDir?: string;
  /** Allows downloading into the cache when the data is nowhere else (default true). */
  download?: boolean;
  fetcher?: Fetcher;
  log?: (line: string) => void;
}

/** The download cache: TALKING_MODELS_CACHE_DIR, else ~/.cache/talking-models. */
export function cacheDirectory(location: DataLocation = {}): string {
  return (
    location.cacheDir ?? process.env.TALKING_MODELS_CACHE_DIR ?? join(homedir(), '.cache', 'talking-models')
  );
}

function hasRequired(dir: string, source: DatasetSource): boolean {
  return source.required.every((file) => existsSync(join(dir, file)));
}

async function digest(algorithm: 'sha256' | 'md5', file: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function unzip(archive: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(archive, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = join(into, entry.fileName);
        if (!target.startsWith(into) || entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, async (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          await mkdir(join(target, '..'), { recursive: true });
          await writeFile(target, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * Downloads and unpacks a dataset into `cache/<folder>`. Everything happens in a temporary folder
 * that is renamed into place only once the checksums match, so an interrupted or corrupt download
 * never looks like data.
 */
export async function downloadDataset(
  source: DatasetSource,
  cache: string,
  fetcher: Fetcher = fetchBytes,
): Promise<string> {
  const target = join(cache, source.folder);
  const work = join(cache, `.download-${source.folder}-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const archive = join(work, source.archive === 'zip' ? 'archive.zip' : 'archive.tar.gz');
    await writeFile(archive, await fetcher(source.url));
    if (source.archiveMd5) {
      const md5 = await digest('md5', archive);
      if (md5 !== source.archiveMd5) {
        throw new Error(`checksum mismatch for ${source.url}: MD5 ${md5}, expected ${source.archiveMd5}`);
      }
    }
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    if (source.archive === 'zip') await unzip(archive, unpacked);
    else await tar.x({ file: archive, cwd: unpacked });
    const folder = join(unpacked, source.archiveFolder);
    for (const [file, sha256] of Object.entries(source.fileSha256 ?? {})) {
      const path = join(folder, file);
      const actual = existsSync(path) ? await digest('sha256', path) : 'missing';
      if (actual !== sha256)
        throw new Error(`checksum mismatch for ${file} from ${source.url}: ${actual}, expected ${sha256}`);
    }
    if (!hasRequired(folder, source))
      throw new Error(`${source.url} does not hold ${source.required.join(', ')}`);
    await rm(target, { recursive: true, force: true });
    await rename(folder, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The folder of dataset `name` (e.g. "ml-100k"): in `--data-dir`, else in
 * TALKING_MODELS_DATA_DIR, else in the download cache, downloading it there when allowed. When it
 * cannot be had, the error says where to put which files.
 */
export async function locateDataset(
  name: string,
  location: DataLocation = {},
  source: DatasetSource | undefined = SOURCES[name],
): Promise<string> {
  const folder = source?.folder ?? name;
  const roots = [location.dataDir, process.env.TALKING_MODELS_DATA_DIR].filter((d): d is string => !!d);
  const cache = cacheDirectory(location);
  for (const root of [...roots, cache]) {
    const dir = join(root, folder);
    if (source ? hasRequired(dir, source) : existsSync(dir)) return dir;
    // A folder given directly (--data-dir pointing at the dataset itself) works too.
    if (root === location.dataDir && source && hasRequired(root, source)) return root;
  }
  const where = roots.length ? roots.map((r) => join(r, folder)).join(' or ') : join(cache, folder);
  const needs = source ? source.required.join(', ') : 'its files';
  if (!source || location.download === false) {
    throw new Error(
      `Dataset ${name} not found: put ${needs} in ${where}` +
        ' (set --data-dir or TALKING_MODELS_DATA_DIR to the folder that holds it).',
    );
  }
  location.log?.(`downloading ${name} from ${source.url} into ${cache}`);
  try {
    return await downloadDataset(source, cache, location.fetcher);
  } catch (error) {
    throw new Error(
      `Dataset ${name} not found and its download failed (${(error as Error).message}). ` +
        `Download ${source.url} yourself and unpack it so that ${needs} are in ${where}, ` +
        'or set --data-dir / TALKING_MODELS_DATA_DIR to the folder that holds it.',
    );
  }
}
