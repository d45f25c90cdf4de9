import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import type { ImageSet } from './image_set.js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG to RGBA bytes (both decoders give RGBA whatever the file's colour type). */
function decode(path: string, bytes: Buffer): { width: number; height: number; rgba: Uint8Array } {
  try {
    if (extname(path).toLowerCase() === '.png') {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { width: image.width, height: image.height, rgba: image.data };
  } catch (error) {
    throw new DataError(path, undefined, `cannot decode the image (${(error as Error).message})`);
  }
}

/**
 * Reads `<root>/<split>/<class>/<file>.png|jpg|jpeg`. Classes are the sub-folders of the split,
 * sorted, unless `classNames` gives them (and so their labels: a test split must use the training
 * split's list). All images must share one size, the first one's.
 */
export async function loadImageFolderSplit(
  root: string,
  split: string,
  classNames?: string[],
): Promise<ImageSet> {
  const splitDir = join(root, split);
  if (!existsSync(splitDir))
    throw new DataError(
      splitDir,
      undefined,
      `missing (expected <class>/<image> folders for split "${split}")`,
    );
  const classes =
    classNames ??
    (await readdir(splitDir, { withFileTypes: true }))
      // Hidden folders (.ipynb_checkpoints, ...) are tool litter, not classes.
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  if (classes.length === 0) throw new DataError(splitDir, undefined, 'no class folders');
  const files: { path: string; label: number }[] = [];
  for (const [label, name] of classes.entries()) {
    const dir = join(splitDir, name);
    if (!existsSync(dir))
      throw new DataError(dir, undefined, `missing (class "${name}" has no folder in split "${split}")`);
    const images = (await readdir(dir)).filter((file) => EXTENSIONS.has(extname(file).toLowerCase())).sort();
    if (images.length === 0)
      throw new DataError(dir, undefined, `no .png, .jpg or .jpeg images for class "${name}"`);
    files.push(...images.map((file) => ({ path: join(dir, file), label })));
  }
  let set: ImageSet | undefined;
  for (const [k, { path, label }] of files.entries()) {
    const { width, height, rgba } = decode(path, await readFile(path));
    set ??= {
      pixels: new Uint8Array(files.length * width * height * 3),
      labels: new Int32Array(files.length),
      height,
      width,
      channels: 3,
      classNames: classes,
    };
    if (width !== set.width || height !== set.height) {
      throw new DataError(
        path,
        undefined,
        `the image is ${width}x${height} (width x height), but ${files[0].path} and the images before ` +
          `this one are ${set.width}x${set.height}; all images must have one size`,
      );
    }
    const out = k * width * height * 3;
    for (let p = 0; p < width * height; p++) {
      set.pixels[out + p * 3] = rgba[p * 4];
      set.pixels[out + p * 3 + 1] = rgba[p * 4 + 1];
      set.pixels[out + p * 3 + 2] = rgba[p * 4 + 2];
    }
    set.labels[k] = label;
  }
  return set!;
}
