import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a bench result as JSON, making its folder, and says so. */
export async function writeResult(file: string, result: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${file}`);
}
