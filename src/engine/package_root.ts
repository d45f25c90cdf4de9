import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of this package's package.json. Sources run from src/ (tsx) and from dist/src/
 * (the build) at different depths, so files shipped beside the code are found from the root.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('talking-models: cannot find its own package.json');
    dir = parent;
  }
  return dir;
}

const root = findRoot();

export function packagePath(...parts: string[]): string {
  return join(root, ...parts);
}

/** This package's version, e.g. for cache keys. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
