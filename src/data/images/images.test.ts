import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { Random } from '../../engine/random.js';
import { loadCifar10, readCifarBatches } from './cifar.js';
import { loadImageFolderSplit } from './folder.js';
import { skipWithoutRealData } from '../../../test/support/real_data.js';
import {
  augment,
  channelStats,
  imageDataset,
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
    // Two gzip members: the trailer gives only the last one's size, so the records overflow it.
    [
      'test_batch.bin.gz',
      Buffer.concat([gzipSync(record(1, 0, 0, 0)), gzipSync(record(2, 0, 0, 0))]),
      /test_batch\.bin\.gz record 2 \(byte 3073\): more records than the gzip size field says \(1\)/,
    ],
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
  await mkdir(join(dir, 'train', '.ipynb_checkpoints'), { recursive: true });
  await writeFile(join(dir, 'train', 'cat', 'a.png'), png(4, 3, [255, 0, 0]));
  await writeFile(join(dir, 'train', 'ant', 'b.jpg'), jpg(4, 3, [0, 0, 250]));
  await writeFile(join(dir, 'train', 'ant', 'notes.txt'), 'ignored');
  const set = await loadImageFolderSplit(dir, 'train');
  assert.deepEqual(set.classNames, ['ant', 'cat']);
  assert.deepEqual([set.width, set.height, Array.from(set.labels)], [4, 3, [0, 1]]);
  assert.ok(set.pixels[2] > 240 && set.pixels[0] < 10, 'the JPEG is blue');
  assert.deepEqual(Array.from(set.pixels.subarray(36, 39)), [255, 0, 0]);
  const relabelled = await loadImageFolderSplit(dir, 'train', ['cat', 'ant']);
  assert.deepEqual(
    [relabelled.classNames, Array.from(relabelled.labels), Array.from(relabelled.pixels.subarray(0, 3))],
    [
      ['cat', 'ant'],
      [0, 1],
      [255, 0, 0],
    ],
    'given class names fix the labels: cat (red) is now 0',
  );

  await writeFile(join(dir, 'train', 'cat', 'big.png'), png(5, 3, [0, 0, 0]));
  await assert.rejects(
    loadImageFolderSplit(dir, 'train'),
    /cat\/big\.png: the image is 5x3 \(width x height\), but .*ant\/b\.jpg and the images before this one are 4x3/,
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
  await mkdir(join(dir, 'train', 'empty'));
  await assert.rejects(
    loadImageFolderSplit(dir, 'train', ['empty']),
    /train\/empty: no \.png, \.jpg or \.jpeg images for class "empty"/,
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

test('class selection relabels; per-class subsets and splits are seeded; datasets share the arrays', () => {
  const set = toySet([0, 1, 2, 2, 1, 0, 2, 2]);
  const cb = selectClasses(set, ['c', 'b']);
  assert.deepEqual(Array.from(cb.labels), [1, 0, 0, 1, 0, 0]);
  assert.deepEqual(cb.classNames, ['c', 'b']);
  assert.deepEqual(
    Array.from(cb.pixels.filter((_, i) => i % 12 === 0)),
    [1, 2, 3, 4, 6, 7],
    'images 1-4, 6, 7',
  );
  assert.throws(() => selectClasses(set, ['z']), /Unknown class "z"; expected one of a, b, c/);

  const two = perClassSubset(set, 2, new Random(4));
  assert.deepEqual(Array.from(two.labels).sort(), [0, 0, 1, 1, 2, 2]);
  // Each image keeps its own label (image i's pixels are all i).
  two.labels.forEach((label, k) => assert.equal(set.labels[two.pixels[k * 12]], label));
  assert.deepEqual(perClassSubset(set, 2, new Random(4)).pixels, two.pixels);
  const picks = new Set(
    [4, 5, 6, 7, 8].map((seed) => perClassSubset(set, 2, new Random(seed)).pixels.join()),
  );
  assert.ok(picks.size > 1, 'other seeds pick other images');

  const { train, validation } = splitImages(set, 0.25, new Random(1));
  assert.deepEqual([train.labels.length, validation.labels.length], [6, 2]);
  const ids = [...train.pixels, ...validation.pixels].filter((_, i) => i % 12 === 0).sort();
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7], 'train and validation partition the images');

  const dataset = imageDataset(train);
  assert.deepEqual(
    [dataset.size, dataset.inputs[0].shape, dataset.inputs[0].dtype],
    [6, [2, 2, 3], 'float32'],
  );
  assert.equal(dataset.inputs[0].values, train.pixels, 'uint8 pixels are not copied');
  assert.deepEqual([dataset.target.values, dataset.target.dtype], [train.labels, 'int32']);
});

/** The image `source` (h x w, one channel) shifted by (dy, dx) after an optional flip, zero outside. */
function cropped(source: Float32Array, h: number, w: number, dy: number, dx: number, flip: boolean) {
  return Float32Array.from({ length: h * w }, (_, p) => {
    const [y, x] = [Math.floor(p / w), p % w];
    const [sy, sx] = [y + dy, (flip ? w - 1 - x : x) + dx];
    return sy >= 0 && sy < h && sx >= 0 && sx < w ? source[sy * w + sx] : 0;
  });
}

test('augmentation is seeded, and each image is one padded crop, flipped or not', () => {
  const [h, w, rows] = [4, 5, 40];
  const values = Float32Array.from({ length: rows * h * w }, (_, i) => (i % (h * w)) + 1);
  const a = values.slice();
  const b = values.slice();
  augment(new Random(3), 2)(a, rows, [h, w, 1]);
  augment(new Random(3), 2)(b, rows, [h, w, 1]);
  assert.deepEqual(a, b, 'the same stream gives the same crops');
  const c = values.slice();
  augment(new Random(4), 2)(c, rows, [h, w, 1]);
  assert.notDeepEqual(c, a);
  const used = new Set<string>();
  for (let r = 0; r < rows; r++) {
    const image = a.subarray(r * h * w, (r + 1) * h * w);
    const matches = [];
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++)
        for (const flip of [false, true]) {
          if (cropped(values.subarray(0, h * w), h, w, dy, dx, flip).every((v, i) => v === image[i]))
            matches.push(`${dy},${dx},${flip}`);
        }
    assert.equal(matches.length, 1, `image ${r} is exactly one crop`);
    used.add(matches[0]);
  }
  assert.ok([...used].some((m) => m.endsWith('true')) && [...used].some((m) => m.endsWith('false')));
  assert.ok(used.size > 10, `40 images use many of the 50 crops (${used.size})`);
});

test('normalisation scales to [0, 1] and standardises each channel with the set statistics', () => {
  const set = toySet([0, 1]);
  set.pixels.set([10, 100, 200], 0);
  const stats = channelStats(set);
  const pixels = Float32Array.from(set.pixels);
  normalize(stats)(pixels, 2, [2, 2, 3]);
  for (let c = 0; c < 3; c++) {
    const channel = pixels.filter((_, i) => i % 3 === c);
    const mean = channel.reduce((s, v) => s + v, 0) / channel.length;
    const variance = channel.reduce((s, v) => s + (v - mean) ** 2, 0) / channel.length;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-4, `channel ${c}: ${mean}, ${variance}`);
  }
  assert.ok(Math.abs(stats.mean[1] - (100 + 3 * 0 + 4 * 1) / 8 / 255) < 1e-9);
});

const realDir =
  process.env.TALKING_MODELS_DATA_DIR && join(process.env.TALKING_MODELS_DATA_DIR, 'cifar-10-batches-bin');
test(
  'the real CIFAR-10 training batches have the README per-class counts',
  { skip: skipWithoutRealData('cifar-10-batches-bin') },
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
