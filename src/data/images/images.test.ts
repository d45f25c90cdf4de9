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

test('bad CIFAR files fail naming the file and record', async () => {
  const truncated = await cifarFolder('truncated', {
    'test_batch.bin': Buffer.concat([record(1, 0, 0, 0), Buffer.alloc(100)]),
  });
  await assert.rejects(
    readCifarBatches(truncated, ['test_batch.bin']),
    /test_batch\.bin record 2: truncated: a CIFAR record is 3073 bytes/,
  );
  const badLabel = await cifarFolder('label', {
    'test_batch.bin': Buffer.concat([record(1, 0, 0, 0), record(12, 0, 0, 0)]),
  });
  await assert.rejects(
    readCifarBatches(badLabel, ['test_batch.bin']),
    /test_batch\.bin record 2: the label must be in 0\.\.9, got 12/,
  );
  const empty = await cifarFolder('empty', { 'test_batch.bin': Buffer.alloc(0) });
  await assert.rejects(readCifarBatches(empty, ['test_batch.bin']), /test_batch\.bin: empty file/);
  const garbled = await cifarFolder('gz', { 'test_batch.bin.gz': Buffer.from('not gzip') });
  await assert.rejects(
    readCifarBatches(garbled, ['test_batch.bin']),
    /test_batch\.bin\.gz: not a valid gzip file/,
  );
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
  'the real CIFAR-10 test batch has 1000 images per class',
  { skip: !realDir || !existsSync(realDir) },
  async () => {
    const set = await readCifarBatches(realDir!, ['test_batch.bin']);
    assert.equal(set.labels.length, 10000);
    const counts = new Array(10).fill(0);
    for (const label of set.labels) counts[label]++;
    assert.deepEqual(counts, new Array(10).fill(1000));
    assert.deepEqual(set.classNames, CLASSES);
  },
);
