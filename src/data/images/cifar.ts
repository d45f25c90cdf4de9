import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { readText } from '../text.js';
import type { ImageSet } from './image_set.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export const CIFAR10_TRAIN_BATCHES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_BATCH = 'test_batch.bin';

/** Reads `name` or `name.gz` from `dir`. */
async function readBatchFile(
  dir: string,
  name: string,
): Promise<{ path: string; bytes: Buffer } | undefined> {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(dir, candidate);
    if (!existsSync(path)) continue;
    const raw = await readFile(path);
    if (!candidate.endsWith('.gz')) return { path, bytes: raw };
    try {
      return { path, bytes: gunzipSync(raw) };
    } catch (error) {
      throw new DataError(path, undefined, `not a valid gzip file (${(error as Error).message})`);
    }
  }
  return undefined;
}

/**
 * Converts CIFAR binary records (label byte, then 1024 red, 1024 green, 1024 blue bytes) into HWC
 * pixels, writing each pixel straight into its final place.
 */
function decodeRecords(path: string, bytes: Buffer, classes: number, into: ImageSet, start: number): void {
  const count = bytes.length / RECORD;
  for (let r = 0; r < count; r++) {
    const base = r * RECORD;
    const label = bytes[base];
    if (label >= classes) {
      throw new DataError(path, `record ${r + 1}`, `the label must be in 0..${classes - 1}, got ${label}`);
    }
    into.labels[start + r] = label;
    const out = (start + r) * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      into.pixels[out + p * 3] = bytes[base + 1 + p];
      into.pixels[out + p * 3 + 1] = bytes[base + 1 + PLANE + p];
      into.pixels[out + p * 3 + 2] = bytes[base + 1 + 2 * PLANE + p];
    }
  }
}

/** Reads the given batch files (each `name` or `name.gz`) of a CIFAR-10 binary folder; missing ones are skipped. */
export async function readCifarBatches(dir: string, names: string[]): Promise<ImageSet> {
  const meta = await readText(join(dir, 'batches.meta.txt'), 'utf8', 'the class names, one per line');
  const classNames = meta.lines.map((l) => l.trim()).filter((l) => l !== '');
  const files = [];
  for (const name of names) {
    const file = await readBatchFile(dir, name);
    if (!file) continue;
    if (file.bytes.length === 0)
      throw new DataError(file.path, undefined, 'empty file (expected CIFAR records)');
    if (file.bytes.length % RECORD !== 0) {
      throw new DataError(
        file.path,
        `record ${Math.floor(file.bytes.length / RECORD) + 1}`,
        `truncated: a CIFAR record is ${RECORD} bytes and the file (${file.bytes.length} bytes) is not a whole number of records`,
      );
    }
    files.push(file);
  }
  if (files.length === 0) {
    throw new DataError(
      dir,
      undefined,
      `none of ${names.join(', ')} (or .gz) is here; expected CIFAR-10 binary batches`,
    );
  }
  const total = files.reduce((n, f) => n + f.bytes.length / RECORD, 0);
  const set: ImageSet = {
    pixels: new Uint8Array(total * PLANE * 3),
    labels: new Int32Array(total),
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames,
  };
  let start = 0;
  for (const file of files) {
    decodeRecords(file.path, file.bytes, classNames.length, set, start);
    start += file.bytes.length / RECORD;
  }
  return set;
}

/** CIFAR-10's training batches present in `dir` and its test batch. */
export async function loadCifar10(dir: string): Promise<{ train: ImageSet; test: ImageSet }> {
  return {
    train: await readCifarBatches(dir, CIFAR10_TRAIN_BATCHES),
    test: await readCifarBatches(dir, [CIFAR10_TEST_BATCH]),
  };
}
