import { mkdir } from 'node:fs/promises';
import * as tar from 'tar';

/** The entry types a dataset needs; links and devices are skipped (links could point anywhere). */
const KEPT = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/**
 * Unpacks a .tar.gz into `into` with node-tar. `strict` turns every problem node-tar would only
 * warn about into an error: a corrupt header, a cut-off archive, an entry path with ".." or an
 * absolute one (which node-tar would otherwise unpack below `into`, never outside it).
 */
export async function untarGz(archive: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  try {
    await tar.x({
      file: archive,
      cwd: into,
      strict: true,
      filter: (_path, entry) => KEPT.has((entry as tar.ReadEntry).type),
    });
  } catch (error) {
    throw new Error(`${archive}: cannot unpack (${(error as Error).message})`);
  }
}
