import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `skip` option of a test that reads the real datasets: why it cannot run (the test runner
 * prints it beside the skipped test), or false when `folder` is in TALKING_MODELS_DATA_DIR.
 */
export function skipWithoutRealData(folder: string): string | false {
  const root = process.env.TALKING_MODELS_DATA_DIR;
  if (!root) return `needs the real data: set TALKING_MODELS_DATA_DIR to the folder holding ${folder}/`;
  if (!existsSync(join(root, folder))) return `needs ${folder}/ in TALKING_MODELS_DATA_DIR (${root})`;
  return false;
}
