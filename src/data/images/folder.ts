import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import type { ImageSet } from './image_set.js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG to RGB bytes. */
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
 * sorted; all images must share one size (the first one's).
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
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  if (classes.length === 0) throw new DataError(splitDir, undefined, 'no class folders');
  const files: { path: string; label: number }[] = [];
  for (const [label, name] of classes.entries()) {
    const dir = join(splitDir, name);
    if (!existsSync(dir))
      throw new DataError(dir, undefined, `missing (class "${name}" has no folder in split "${split}")`);
    for (const file of (await readdir(dir)).sort()) {
      if (EXTENSIONS.has(extname(file).toLowerCase())) files.push({ path: join(dir, file), label });
    }
  }
  if (files.length === 0) throw new DataError(splitDir, undefined, 'no .png, .jpg or .jpeg images');
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
        `the image is ${width}x${height}, but the images of this folder are ${set.width}x${set.height}`,
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
