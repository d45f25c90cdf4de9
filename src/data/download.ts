import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { untarGz } from './archive/untar.js';
import { unzip } from './archive/unzip.js';
import { fetchUrl, fetchVerified, type Fetcher } from './fetch.js';
import { SOURCES, type DatasetSource } from './sources.js';

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

const present = (dir: string, file: string | string[]) =>
  (Array.isArray(file) ? file : [file]).some((name) => existsSync(join(dir, name)));

function hasRequired(dir: string, source: DatasetSource): boolean {
  return source.required.every((file) => present(dir, file));
}

/** The required files as a reader would list them: "a, b, c (or c.gz)". */
function requiredList(source: DatasetSource): string {
  return source.required
    .map((f) => (Array.isArray(f) ? `${f[0]} (or ${f.slice(1).join(', ')})` : f))
    .join(', ');
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Downloads and unpacks a dataset into `cache/<folder>`. Everything happens in a temporary folder
 * that is renamed into place only once the archive and the files in it are verified, so an
 * interrupted or corrupt download never looks like data.
 */
export async function downloadDataset(
  source: DatasetSource,
  cache: string,
  fetcher: Fetcher = fetchUrl,
): Promise<string> {
  const download = source.download;
  if (!download) throw new Error(`${source.folder} has no download with a fixed checksum`);
  const target = join(cache, source.folder);
  const work = join(cache, `.download-${source.folder}-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const archive = join(work, `archive.${download.format}`);
    await fetchVerified(download, archive, fetcher);
    const unpacked = join(work, 'unpacked');
    await (download.format === 'zip' ? unzip : untarGz)(archive, unpacked);
    const folder = join(unpacked, download.folder);
    for (const [file, sha256] of Object.entries(source.fileSha256 ?? {})) {
      const path = join(folder, file);
      const actual = existsSync(path) ? await sha256Of(path) : 'missing';
      if (actual !== sha256) {
        throw new Error(`checksum mismatch for ${file} in ${download.url}: ${actual}, expected ${sha256}`);
      }
    }
    if (!hasRequired(folder, source)) {
      throw new Error(`${download.url} does not hold ${download.folder}/ with ${requiredList(source)}`);
    }
    await rm(target, { recursive: true, force: true });
    await rename(folder, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The required files that `dir` lacks, as a reader would list them. */
function missingList(dir: string, source: DatasetSource): string {
  return requiredList({ ...source, required: source.required.filter((file) => !present(dir, file)) });
}

/**
 * A folder the user named holds the dataset, or the run fails naming what is missing: it never
 * silently reads another copy.
 */
function inNamedFolder(name: string, source: DatasetSource, dir: string): string {
  // --data-dir may name the folder that holds the dataset's folder, or the dataset folder itself.
  const candidates = [join(dir, source.folder), dir];
  const found = candidates.find((candidate) => hasRequired(candidate, source));
  if (found) return found;
  const meant = candidates.find((candidate) => source.required.some((file) => present(candidate, file)));
  if (meant)
    throw new Error(
      `Dataset ${name} in --data-dir ${meant} is incomplete: ${missingList(meant, source)} missing`,
    );
  throw new Error(
    `Dataset ${name} not found in --data-dir ${dir}: put ${requiredList(source)} in ${candidates[0]}, or leave out --data-dir to use TALKING_MODELS_DATA_DIR or the download cache`,
  );
}

/**
 * The folder of dataset `name` (e.g. "ml-100k", "cifar-10"): in `--data-dir` and only there when
 * it is given, else in TALKING_MODELS_DATA_DIR, else in the download cache, downloading it there
 * when allowed. When it cannot be had, the error says which files to put in which folder, and
 * which option to set.
 */
export async function locateDataset(
  name: string,
  location: DataLocation = {},
  source: DatasetSource | undefined = SOURCES[name],
): Promise<string> {
  if (!source)
    throw new Error(`Unknown dataset "${name}"; expected one of ${Object.keys(SOURCES).join(', ')}`);
  if (location.dataDir) return inNamedFolder(name, source, location.dataDir);
  const roots = [process.env.TALKING_MODELS_DATA_DIR].filter((d): d is string => !!d);
  const cache = cacheDirectory(location);
  const candidates = [...roots, cache].map((root) => join(root, source.folder));
  const found = candidates.find((dir) => hasRequired(dir, source));
  if (found) return found;
  const cached = join(cache, source.folder);
  // Downloads are renamed into place whole, so a partial copy in a named cache was changed by hand.
  if (location.cacheDir && existsSync(cached)) {
    throw new Error(
      `Dataset ${name} in --cache-dir ${cached} is incomplete: ${missingList(cached, source)} missing; remove that folder to download it again`,
    );
  }

  const where = roots.length
    ? roots.map((r) => join(r, source.folder)).join(' or ')
    : join(cache, source.folder);
  const put = `put ${requiredList(source)} in ${where}`;
  const options =
    'or point --data-dir or TALKING_MODELS_DATA_DIR at the folder that holds ' + `${source.folder}/`;
  if (!source.download) throw new Error(`Dataset ${name} not found: ${put}, ${options}.`);
  const manual = `download ${source.download.url}, unpack it and ${put}`;
  if (location.download === false)
    throw new Error(`Dataset ${name} not found (downloads are off): ${manual}, ${options}.`);
  const size = (source.download.bytes / 1e6).toFixed(1);
  location.log?.(`downloading ${name} (${size} MB) from ${source.download.url} into ${cache}`);
  try {
    return await downloadDataset(source, cache, location.fetcher);
  } catch (error) {
    throw new Error(
      `Dataset ${name} not found and its download failed (${(error as Error).message}). To work offline, ${manual}, ${options}.`,
    );
  }
}
