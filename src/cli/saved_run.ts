import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataMeta } from './data_spec.js';

/**
 * What `distill` and `train` write besides the model, so that `predict` reads new data the way the
 * model was trained (feature columns, classes, pixel scaling).
 */
export const DATA_META = 'dataset.json';

/** The data description saved beside a run's model, if the model came from `distill` or `train`. */
export async function readDataMeta(path: string): Promise<DataMeta | undefined> {
  const file = join(path, DATA_META);
  if (!existsSync(join(path, 'model', 'model.json')) || !existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DataMeta;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
}
