import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { lines, readText } from '../text.js';
import type { ImageSet } from './image_set.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
const CHUNK = 1 << 20;

export const CIFAR10_TRAIN_BATCHES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_BATCH = 'test_batch.bin';

/** A batch file found on disk, and how many records it holds. */
interface BatchFile {
  path: string;
  gzipped: boolean;
  records: number;
}

const where = (record: number) => `record ${record + 1} (byte ${record * RECORD})`;

/**
 * The uncompressed size of a gzip file from its trailer (RFC 1952: the last 4 bytes hold it
 * modulo 2^32, and a batch is far smaller), so the output is sized before decompressing.
 */
async function gunzippedSize(path: string, size: number): Promise<number> {
  const handle = await open(path);
  try {
    const head = Buffer.alloc(2);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 2, 0);
    if (size < 18 || head[0] !== 0x1f || head[1] !== 0x8b) {
      throw new DataError(path, undefined, 'not a gzip file (expected a gzipped CIFAR batch)');
    }
    await handle.read(tail, 0, 4, size - 4);
    return tail.readUInt32LE(0);
  } finally {
    await handle.close();
  }
}

/** Finds `name` or `name.gz` in `dir` and checks it holds whole records. */
async function findBatch(dir: string, name: string): Promise<BatchFile | undefined> {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(dir, candidate);
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) continue;
    const gzipped = candidate.endsWith('.gz');
    const bytes = gzipped ? await gunzippedSize(path, size) : size;
    if (bytes === 0) throw new DataError(path, undefined, 'empty file (expected CIFAR records)');
    if (bytes % RECORD !== 0) {
      throw new DataError(
        path,
        where(Math.floor(bytes / RECORD)),
        `truncated: a CIFAR record is ${RECORD} bytes and the file holds ${bytes} bytes` +
          `${gzipped ? ' uncompressed' : ''}, not a whole number of records`,
      );
    }
    return { path, gzipped, records: bytes / RECORD };
  }
  return undefined;
}

/**
 * Streams a batch file (through gunzip when gzipped) and writes each record's label and pixels
 * straight into their final place, planes (1024 R, 1024 G, 1024 B) turned into HWC pixels.
 */
async function decodeBatch(file: BatchFile, classes: number, into: ImageSet, first: number): Promise<void> {
  // 1 MB chunks: with the 16-64 kB defaults, per-chunk overhead costs more than the decoding.
  const raw = createReadStream(file.path, { highWaterMark: CHUNK });
  const source: AsyncIterable<Buffer> = file.gzipped
    ? pipeline(raw, createGunzip({ chunkSize: CHUNK }), () => {})
    : raw;
  const { pixels, labels } = into;
  const pending = Buffer.alloc(RECORD);
  let filled = 0;
  let record = 0;
  const decode = (bytes: Buffer, at: number) => {
    if (record >= file.records) {
      throw new DataError(
        file.path,
        where(record),
        `more records than the gzip size field says (${file.records})`,
      );
    }
    const label = bytes[at];
    if (label >= classes) {
      throw new DataError(file.path, where(record), `the label must be in 0..${classes - 1}, got ${label}`);
    }
    const image = first + record++;
    labels[image] = label;
    const out = image * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      pixels[out + p * 3] = bytes[at + 1 + p];
      pixels[out + p * 3 + 1] = bytes[at + 1 + PLANE + p];
      pixels[out + p * 3 + 2] = bytes[at + 1 + 2 * PLANE + p];
    }
  };
  try {
    for await (const chunk of source) {
      // Whole records are decoded where they are; only a record split across chunks is copied.
      let at = 0;
      if (filled > 0) {
        at = Math.min(RECORD - filled, chunk.length);
        filled += chunk.copy(pending, filled, 0, at);
        if (filled < RECORD) continue;
        decode(pending, 0);
      }
      for (; chunk.length - at >= RECORD; at += RECORD) decode(chunk, at);
      filled = chunk.copy(pending, 0, at);
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(file.path, undefined, `cannot be read (${(error as Error).message})`);
  }
  if (record !== file.records || filled !== 0) {
    throw new DataError(file.path, where(record), `truncated: expected ${file.records} records`);
  }
}

/**
 * Reads the given batch files (each `name` or `name.gz`) of a CIFAR-10 binary folder into one
 * set; missing ones are skipped (a folder may hold only some training batches).
 */
export async function readCifarBatches(dir: string, names: string[]): Promise<ImageSet> {
  const meta = await readText(join(dir, 'batches.meta.txt'), 'utf8', 'the class names, one per line');
  const classNames = [...lines(meta)].map((l) => l.text.trim()).filter((l) => l !== '');
  const files: BatchFile[] = [];
  for (const name of names) {
    const file = await findBatch(dir, name);
    if (file) files.push(file);
  }
  if (files.length === 0) {
    throw new DataError(
      dir,
      undefined,
      `none of ${names.join(', ')} (or .gz) is here; expected CIFAR-10 binary batches`,
    );
  }
  const total = files.reduce((n, f) => n + f.records, 0);
  const set: ImageSet = {
    pixels: new Uint8Array(total * PLANE * 3),
    labels: new Int32Array(total),
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames,
  };
  let first = 0;
  for (const file of files) {
    await decodeBatch(file, classNames.length, set, first);
    first += file.records;
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
