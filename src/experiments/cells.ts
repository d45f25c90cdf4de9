import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries, writeFileAtomic } from '../storage/files.js';
import type { CellRecord } from './results.js';
import { canonicalJson } from '../util/canonical_json.js';

/** A cell's identity, also its file name. */
export interface CellKey {
  method: string;
  task: string;
  seed: number;
}

export const cellId = ({ method, task, seed }: CellKey) =>
  `${method}__${task}__seed${seed}`.replace(/[^\w.-]+/g, '_');

/**
 * Finished cells, one JSON file each, written atomically as soon as a cell ends: a run killed at
 * any point loses at most the cell in progress, which resumes from its own checkpoint.
 */
export class CellStore {
  readonly dir: string;

  constructor(outDir: string) {
    this.dir = join(outDir, 'cells');
    mkdirSync(this.dir, { recursive: true });
  }

  get(key: CellKey): CellRecord | undefined {
    const file = join(this.dir, `${cellId(key)}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CellRecord) : undefined;
  }

  async put(key: CellKey, record: CellRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, `${cellId(key)}.json`), JSON.stringify(record));
  }

  /**
   * Claims a cell for this process: true for exactly one of the parallel workers that ask, as
   * the claim file is created exclusively (the file system decides, not a read then a write).
   */
  claim(key: CellKey): boolean {
    try {
      closeSync(openSync(join(this.dir, `${cellId(key)}.claim`), 'wx'));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /**
   * Drops every claim. Only the parent calls it, while no worker runs: a claim left by a killed
   * run would otherwise keep its cell from ever training again.
   */
  clearClaims(): void {
    for (const file of readdirSync(this.dir))
      if (file.endsWith('.claim')) rmSync(join(this.dir, file), { force: true });
  }
}

/** The folder of a run's shared fits (see shared_fits.ts), beside its cells. */
export const SHARED_FITS = 'shared-fits';

/** The folders of a run's outputs that `openCells` clears for a fresh run. */
const RUN_STATE = ['cells', 'runs', SHARED_FITS];

/**
 * Opens the cell store of `outDir` for a run of `config`. A fresh run clears earlier cells (and
 * shared fits); a resumed one must have the same config (up to the order of keys), or its results
 * would mix two experiments, and loses the half-written copies its killed run left.
 */
export async function openCells(outDir: string, config: unknown, resume: boolean): Promise<CellStore> {
  const hash = createHash('sha256').update(canonicalJson(config)).digest('hex');
  const stamp = join(outDir, 'config.sha256');
  if (resume && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() !== hash) {
    throw new Error(
      `${outDir} holds a run of another configuration; resume it with the same flags, or start anew without --resume`,
    );
  }
  if (!resume) for (const folder of RUN_STATE) rmSync(join(outDir, folder), { recursive: true, force: true });
  await removeStaleTemporaries(outDir, false);
  for (const folder of RUN_STATE) await removeStaleTemporaries(join(outDir, folder), true);
  const cells = new CellStore(outDir);
  await writeFileAtomic(stamp, hash + '\n');
  return cells;
}
