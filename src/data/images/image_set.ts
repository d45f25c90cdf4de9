import { Random } from '../../engine/random.js';
import type { RowTransform, TensorDataset } from '../dataset.js';

/** Images held once as uint8 HWC pixels, with integer labels into `classNames`. */
export interface ImageSet {
  /** n x height x width x channels, row-major. */
  pixels: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
}

function pick(set: ImageSet, rows: ArrayLike<number>, labels: Int32Array, classNames: string[]): ImageSet {
  const size = set.height * set.width * set.channels;
  const pixels = new Uint8Array(rows.length * size);
  for (let k = 0; k < rows.length; k++)
    pixels.set(set.pixels.subarray(rows[k] * size, (rows[k] + 1) * size), k * size);
  return { ...set, pixels, labels, classNames };
}

/**
 * Keeps the images of `classes` (names) and relabels them 0..k-1 in that order, e.g. the
 * source classes for the teacher and the new target classes for the student.
 */
export function selectClasses(set: ImageSet, classes: string[]): ImageSet {
  const map = classes.map((name) => {
    const index = set.classNames.indexOf(name);
    if (index < 0) throw new Error(`Unknown class "${name}"; expected one of ${set.classNames.join(', ')}`);
    return index;
  });
  const rows: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < set.labels.length; i++) {
    const k = map.indexOf(set.labels[i]);
    if (k >= 0) {
      rows.push(i);
      labels.push(k);
    }
  }
  return pick(set, rows, Int32Array.from(labels), classes);
}

/** K images of every class, chosen by seed (fewer where a class has fewer); order shuffled. */
export function perClassSubset(set: ImageSet, k: number, random: Random): ImageSet {
  const order = random.permutation(set.labels.length);
  const taken = new Array<number>(set.classNames.length).fill(0);
  const rows: number[] = [];
  for (const i of order) {
    if (taken[set.labels[i]] < k) {
      taken[set.labels[i]]++;
      rows.push(i);
    }
  }
  return pick(
    set,
    rows,
    Int32Array.from(rows, (r) => set.labels[r]),
    set.classNames,
  );
}

/** Splits off a seeded `fraction` for validation. */
export function splitImages(
  set: ImageSet,
  fraction: number,
  random: Random,
): { train: ImageSet; validation: ImageSet } {
  const order = random.permutation(set.labels.length);
  const cut = Math.round(set.labels.length * fraction);
  const part = (rows: Int32Array) =>
    pick(
      set,
      rows,
      Int32Array.from(rows, (r) => set.labels[r]),
      set.classNames,
    );
  return { validation: part(order.subarray(0, cut)), train: part(order.subarray(cut)) };
}

/** A dataset over the uint8 pixels (batches become float32 [n, h, w, c]) and int32 labels. */
export function imageDataset(set: ImageSet): TensorDataset {
  return {
    size: set.labels.length,
    inputs: [{ values: set.pixels, shape: [set.height, set.width, set.channels], dtype: 'float32' }],
    target: { values: set.labels, shape: [], dtype: 'int32' },
  };
}

/** Per-channel mean and standard deviation of the pixels in [0, 1], for normalisation. */
export function channelStats(set: ImageSet): { mean: number[]; std: number[] } {
  const sum = new Float64Array(set.channels);
  const squares = new Float64Array(set.channels);
  for (let i = 0; i < set.pixels.length; i++) {
    const v = set.pixels[i] / 255;
    sum[i % set.channels] += v;
    squares[i % set.channels] += v * v;
  }
  const n = set.pixels.length / set.channels;
  const mean = Array.from(sum, (s) => s / n);
  return { mean, std: Array.from(squares, (s, c) => Math.sqrt(Math.max(s / n - mean[c] ** 2, 1e-12))) };
}

/** Scales pixels to [0, 1] and normalises each channel; applied to every batch. */
export function normalize({ mean, std }: { mean: number[]; std: number[] }): RowTransform {
  return (values, _rows, shape) => {
    const channels = shape[shape.length - 1];
    for (let i = 0; i < values.length; i++) {
      const c = i % channels;
      values[i] = (values[i] / 255 - mean[c]) / std[c];
    }
  };
}

/**
 * The standard CIFAR augmentation, seeded: a random crop of the image zero-padded by `pad`
 * pixels, and a horizontal flip half of the time. Runs before normalisation on raw pixels
 * (padding is black, as torchvision's RandomCrop pads with 0).
 */
export function augment(random: Random, pad = 4): RowTransform {
  return (values, rows, [height, width, channels]) => {
    const size = height * width * channels;
    const copy = new Float32Array(size);
    for (let r = 0; r < rows; r++) {
      const image = values.subarray(r * size, (r + 1) * size);
      copy.set(image);
      const dy = random.int(2 * pad + 1) - pad;
      const dx = random.int(2 * pad + 1) - pad;
      const flip = random.next() < 0.5;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const sy = y + dy;
          const sx = (flip ? width - 1 - x : x) + dx;
          const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          for (let c = 0; c < channels; c++) {
            image[(y * width + x) * channels + c] = inside ? copy[(sy * width + sx) * channels + c] : 0;
          }
        }
      }
    }
  };
}

/** Applies transforms in order (e.g. augmentation, then normalisation). */
export function chain(...transforms: RowTransform[]): RowTransform {
  return (values, rows, shape) => transforms.forEach((t) => t(values, rows, shape));
}
