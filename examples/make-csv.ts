// Writes the CSV files of the README's command-line example: y = sin(3 x0) + x1 x2 + uniform noise, with
// a fourth feature x3 that does not matter.
// Run: node --import tsx examples/make-csv.ts [folder]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Random } from '../src/index.js';

function table(rows: number, noise: number, random: Random): string {
  const lines = ['x0,x1,x2,x3,y'];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: 4 }, () => random.next() * 2 - 1);
    const y = Math.sin(3 * x[0]) + x[1] * x[2] + noise * (random.next() * 2 - 1);
    lines.push([...x, y].map((v) => v.toFixed(4)).join(','));
  }
  return lines.join('\n') + '\n';
}

/** all.csv: plenty of clean rows for a teacher; labelled.csv: few noisy ones; test.csv: held out. */
export async function makeCsv(folder = 'data'): Promise<void> {
  const random = new Random(7);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'all.csv'), table(1000, 0, random));
  await writeFile(join(folder, 'labelled.csv'), table(150, 0.3, random));
  await writeFile(join(folder, 'test.csv'), table(400, 0, random));
}

if (process.argv[1]?.includes('make-csv')) await makeCsv(process.argv[2]);
