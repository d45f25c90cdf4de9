import { portableValue } from '../util/paths.js';

/**
 * The command line as a report gives it: paths inside `cwd` relative to it, any other absolute
 * path a placeholder named after its flag (`--cache-dir <cache-dir>`).
 */
export function portableCommand(args: string[], cwd?: string): string {
  const words = args.map((arg, i) => {
    const assigned = /^(--[\w-]+)=(.*)$/.exec(arg);
    if (assigned) return `${assigned[1]}=${portableValue(assigned[2], assigned[1].slice(2), cwd)}`;
    const flag = args[i - 1]?.startsWith('--') ? args[i - 1].slice(2) : 'path';
    return portableValue(arg, flag, cwd);
  });
  return ['talking-models', ...words].join(' ');
}
