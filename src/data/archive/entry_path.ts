import { resolve, sep } from 'node:path';

/**
 * Where an archive entry goes inside `into`. An entry named "../x" or "/etc/x" would write outside
 * the folder (a "zip slip"), so such names are refused rather than trusted.
 */
export function entryPath(into: string, name: string): string {
  const root = resolve(into);
  const target = resolve(root, name);
  if (!target.startsWith(root + sep))
    throw new Error(`the archive entry "${name}" points outside the folder`);
  return target;
}
