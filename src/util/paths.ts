import { isAbsolute, relative, sep } from 'node:path';

/**
 * A path as a committed report may give it: inside `cwd`, relative to it; any other absolute path
 * becomes `<placeholder>`, so that no report names a folder of the machine it ran on.
 */
export function portablePath(path: string, placeholder: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(path)) return path;
  const inside = relative(cwd, path);
  if (inside === '') return '.';
  if (!inside.startsWith('..') && !isAbsolute(inside)) return inside.split(sep).join('/');
  return `<${placeholder}>`;
}

/** `value` with an absolute path in it (`/a/b` or `folder:/a/b`) made portable. */
export function portableValue(value: string, placeholder: string, cwd?: string): string {
  const prefixed = /^(\w+):(\/.*)$/.exec(value);
  if (prefixed) return `${prefixed[1]}:${portablePath(prefixed[2], prefixed[1], cwd)}`;
  return portablePath(value, placeholder, cwd);
}

/** A JSON-like config with every path-valued string made portable (placeholders named by key). */
export function portableConfig<T>(config: T, cwd?: string): T {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) =>
      typeof value === 'string' ? portableValue(value, key || 'path', cwd) : value,
    ),
  ) as T;
}
