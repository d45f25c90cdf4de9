import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { Random } from '../../engine/random.js';
import { loadCifar10, readCifarBatches } from './cifar.js';
import { loadImageFolderSplit } from './folder.js';
import {
  augment,
  channelStats,
  normalize,
  perClassSubset,
  selectClasses,
  splitImages,
  type ImageSet,
} from './image_set.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-img-'));
});
after(() => rm(root, { recursive: true, force: true }));

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A CIFAR record whose red plane is r, green g, blue b, except pixel 1 whose red is 200. */
function record(label: number, r: number, g: number, b: number): Buffer {
  const bytes = Buffer.alloc(3073);
  bytes[0] = label;
  bytes.fill(r, 1, 1025);
  bytes.fill(g, 1025, 2049);
  bytes.fill(b, 2049, 3073);
  bytes[2] = 200;
  return bytes;
}

async function cifarFolder(name: string, files: Record<string, Buffer>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'batches.meta.txt'), CLASSES.join('\n') + '\n\n');
  for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
  return dir;
}

test('CIFAR binary batches (plain and gzipped) decode to HWC pixels with labels', async () => {
  const dir = await cifarFolder('ok', {
    'data_batch_1.bin': Buffer.concat([record(3, 10, 20, 30), record(9, 1, 2, 3)]),
    'data_batch_2.bin.gz': gzipSync(record(0, 5, 6, 7)),
    'test_batch.bin.gz': gzipSync(record(7, 9, 9, 9)),
  });
  const { train, test: testSet } = await loadCifar10(dir);
  assert.deepEqual(Array.from(train.labels), [3, 9, 0]);
  assert.deepEqual(Array.from(testSet.labels), [7]);
  assert.deepEqual(train.classNames, CLASSES);
  // Image 0, pixel 0 then pixel 1 (whose red byte is 200), each as R, G, B.
  assert.deepEqual(Array.from(train.pixels.subarray(0, 6)), [10, 20, 30, 200, 20, 30]);
  assert.deepEqual(Array.from(train.pixels.subarray(3072 * 2, 3072 * 2 + 3)), [5, 6, 7]);
});

test('a CIFAR batch decodes the same however the stream splits it into chunks', async () => {
  // 400 records (1.2 MB) span several 1 MB read chunks, so some records straddle two chunks.
  const records = Array.from({ length: 400 }, (_, k) =>
    record(k % 10, k % 256, (k * 7) % 256, (k * 13) % 256),
  );
  const dir = await cifarFolder('chunks', {
    'data_batch_1.bin': Buffer.concat(records),
    'test_batch.bin.gz': gzipSync(Buffer.concat(records)),
  });
  const plain = await readCifarBatches(dir, ['data_batch_1.bin']);
  const gzipped = await readCifarBatches(dir, ['test_batch.bin']);
  assert.deepEqual(gzipped.pixels, plain.pixels);
  assert.deepEqual(
    Array.from(plain.labels),
    records.map((_, k) => k % 10),
  );
  // Pixel 2 of every image, record 342 (bytes 1,047,893..1,050,965) straddling the first chunk end.
  const pixel2 = (k: number) => Array.from(plain.pixels.subarray(k * 3072 + 6, k * 3072 + 9));
  assert.deepEqual(
    records.map((_, k) => pixel2(k)),
    records.map((_, k) => [k % 256, (k * 7) % 256, (k * 13) % 256]),
  );
});

test('bad CIFAR files fail naming the file and record', async () => {
  const cases: [string, Buffer, RegExp][] = [
    [
      'test_batch.bin',
      Buffer.concat([record(1, 0, 0, 0), Buffer.alloc(100)]),
      /test_batch\.bin record 2 \(byte 3073\): truncated: a CIFAR record is 3073 bytes and the file holds 3173 bytes, not a whole number of records/,
    ],
    [
      'test_batch.bin.gz',
      gzipSync(Buffer.concat([record(1, 0, 0, 0), Buffer.alloc(5)])),
      /test_batch\.bin\.gz record 2 \(byte 3073\): truncated: .* holds 3078 bytes uncompressed/,
    ],
    [
      'test_batch.bin',
      Buffer.concat([record(1, 0, 0, 0), record(12, 0, 0, 0)]),
      /test_batch\.bin record 2 \(byte 3073\): the label must be in 0\.\.9, got 12/,
    ],
    ['test_batch.bin', Buffer.alloc(0), /test_batch\.bin: empty file/],
    ['test_batch.bin.gz', Buffer.from('not gzip at all, really not'), /test_batch\.bin\.gz: not a gzip file/],
    // A gzip stream cut short: the trailer's size field is garbage, or (here) the data ends early.
    [
      'test_batch.bin.gz',
      Buffer.concat([
        gzipSync(Buffer.concat([record(1, 0, 0, 0), record(2, 0, 0, 0)])).subarray(0, 30),
        Buffer.from([2, 24, 0, 0]),
      ]),
      /test_batch\.bin\.gz: cannot be read \(/,
    ],
  ];
  for (const [k, [file, bytes, message]] of cases.entries()) {
    const dir = await cifarFolder(`bad${k}`, { [file]: bytes });
    await assert.rejects(readCifarBatches(dir, ['test_batch.bin']), message);
  }
  const none = await cifarFolder('none', {});
  await assert.rejects(
    readCifarBatches(none, ['test_batch.bin']),
    /none of test_batch\.bin \(or \.gz\) is here/,
  );
});

function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set([...rgb, 255], p * 4);
  return PNG.sync.write(image);
}

function jpg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return jpeg.encode({ data, width, height }, 100).data;
}

test('an image folder <split>/<class>/<file> loads PNG and JPEG with sorted classes', async () => {
  const dir = join(root, 'folder');
  await mkdir(join(dir, 'train', 'cat'), { recursive: true });
  await mkdir(join(dir, 'train', 'ant'), { recursive: true });
  await writeFile(join(dir, 'train', 'cat', 'a.png'), png(4, 3, [255, 0, 0]));
  await writeFile(join(dir, 'train', 'ant', 'b.jpg'), jpg(4, 3, [0, 0, 250]));
  await writeFile(join(dir, 'train', 'ant', 'notes.txt'), 'ignored');
  const set = await loadImageFolderSplit(dir, 'train');
  assert.deepEqual(set.classNames, ['ant', 'cat']);
  assert.deepEqual([set.width, set.height, Array.from(set.labels)], [4, 3, [0, 1]]);
  assert.ok(set.pixels[2] > 240 && set.pixels[0] < 10, 'the JPEG is blue');
  assert.deepEqual(Array.from(set.pixels.subarray(36, 39)), [255, 0, 0]);
  await writeFile(join(dir, 'train', 'cat', 'big.png'), png(5, 3, [0, 0, 0]));
  await assert.rejects(
    loadImageFolderSplit(dir, 'train'),
    /big\.png: the image is 5x3, but the images of this folder are 4x3/,
  );
  await writeFile(join(dir, 'train', 'cat', 'big.png'), 'garbage');
  await assert.rejects(loadImageFolderSplit(dir, 'train'), /big\.png: cannot decode the image/);
  await assert.rejects(
    loadImageFolderSplit(dir, 'test'),
    /test: missing \(expected <class>\/<image> folders/,
  );
  await assert.rejects(
    loadImageFolderSplit(dir, 'train', ['ant', 'dog']),
    /train\/dog: missing \(class "dog" has no folder/,
  );
});

function toySet(labels: number[]): ImageSet {
  const pixels = new Uint8Array(labels.length * 2 * 2 * 3);
  labels.forEach((_, i) => pixels.fill(i, i * 12, (i + 1) * 12));
  return {
    pixels,
    labels: Int32Array.from(labels),
    height: 2,
    width: 2,
    channels: 3,
    classNames: ['a', 'b', 'c'],
  };
}

test('class selection relabels; per-class subsets and splits are seeded', () => {
  const set = toySet([0, 1, 2, 2, 1, 0, 2, 2]);
  const cb = selectClasses(set, ['c', 'b']);
  assert.deepEqual(Array.from(cb.labels), [1, 0, 0, 1, 0, 0]);
  assert.deepEqual(cb.classNames, ['c', 'b']);
  assert.equal(cb.pixels[0], 1, 'the first kept image is image 1');
  assert.throws(() => selectClasses(set, ['z']), /Unknown class "z"; expected one of a, b, c/);
  const subset = perClassSubset(set, 1, new Random(4));
  assert.deepEqual(Array.from(subset.labels).sort(), [0, 1, 2]);
  assert.deepEqual(perClassSubset(set, 1, new Random(4)).pixels, subset.pixels);
  const { train, validation } = splitImages(set, 0.25, new Random(1));
  assert.deepEqual([train.labels.length, validation.labels.length], [6, 2]);
});

test('augmentation is seeded, crops with zero padding and flips; normalisation uses channel stats', () => {
  const width = 4;
  const values = Float32Array.from({ length: 2 * 4 * width * 1 }, (_, i) => i + 1);
  const a = values.slice();
  const b = values.slice();
  augment(new Random(3), 1)(a, 2, [4, width, 1]);
  augment(new Random(3), 1)(b, 2, [4, width, 1]);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, values);
  // Every value is an original pixel of the same image or padding.
  for (let i = 0; i < 16; i++) assert.ok(a[i] === 0 || (a[i] >= 1 && a[i] <= 16));
  const set = toySet([0, 1]);
  const stats = channelStats(set);
  assert.ok(Math.abs(stats.mean[0] - 0.5 / 255) < 1e-9);
  const pixels = Float32Array.from(set.pixels);
  normalize(stats)(pixels, 2, [2, 2, 3]);
  assert.ok(Math.abs(pixels.reduce((s, v) => s + v, 0)) < 1e-4, 'normalised pixels have mean 0');
});

const realDir =
  process.env.TALKING_MODELS_DATA_DIR && join(process.env.TALKING_MODELS_DATA_DIR, 'cifar-10-batches-bin');
test(
  'the real CIFAR-10 training batches have the README per-class counts',
  { skip: !realDir || !existsSync(realDir) },
  async () => {
    const set = await readCifarBatches(realDir!, [
      'data_batch_1.bin',
      'data_batch_2.bin',
      'data_batch_3.bin',
    ]);
    assert.deepEqual(set.classNames, CLASSES);
    assert.equal(set.labels.length, 30000);
    const counts = (labels: Int32Array) =>
      labels.reduce((c, label) => (c[label]++, c), new Array(10).fill(0));
    assert.deepEqual(counts(set.labels), [3038, 2959, 3017, 3022, 2942, 3074, 2972, 2997, 2986, 2993]);
    // Batch 1 alone: shuffled, so every class is near 1000.
    const batch1 = counts(set.labels.subarray(0, 10000));
    assert.ok(
      batch1.every((c) => c > 900 && c < 1100),
      `batch 1 per-class counts ${batch1}`,
    );
    // Natural images in HWC order: each channel's mean is mid-grey-ish, red above blue as in CIFAR.
    const batch1Pixels = { ...set, pixels: set.pixels.subarray(0, 10000 * 3072) };
    const { mean } = channelStats(batch1Pixels);
    assert.ok(mean.every((m) => m > 0.4 && m < 0.55) && mean[0] > mean[2], `channel means ${mean}`);
  },
);
