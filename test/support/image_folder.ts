import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Random } from '../../src/engine/random.js';

export const CLASSES = ['ant', 'bee', 'cat', 'dog'];
const SIDE = 8;

/** A learnable toy: each class a colour, with seeded pixel noise. */
export async function writeImageFolder(root: string, perSplit: Record<string, number>): Promise<void> {
  const random = new Random('image-folder');
  for (const [split, count] of Object.entries(perSplit)) {
    for (const [c, name] of CLASSES.entries()) {
      const dir = join(root, split, name);
      await mkdir(dir, { recursive: true });
      for (let k = 0; k < count; k++) {
        const png = new PNG({ width: SIDE, height: SIDE });
        for (let p = 0; p < SIDE * SIDE; p++) {
          for (let ch = 0; ch < 3; ch++)
            png.data[4 * p + ch] = Math.min(255, (ch === c % 3 ? 160 : 40) + 30 * c + random.int(60));
          png.data[4 * p + 3] = 255;
        }
        await writeFile(join(dir, `${k}.png`), PNG.sync.write(png));
      }
    }
  }
}
