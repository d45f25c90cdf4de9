import { Option } from 'commander';
import { BACKEND_REQUESTS, MAX_THREADS, THREADS_ENV } from '../engine/backend.js';

/** `--backend`, which every command that computes accepts. */
export const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend').choices(BACKEND_REQUESTS as string[]).default('auto');

/**
 * `--threads`, which every command that trains or benches accepts (the wasm backend's threads);
 * `perJob` names the processes its default shares the cores with.
 */
export const threadsOption = (perJob = '') =>
  new Option(
    '--threads <n>',
    `threads of the wasm backend, 1 to ${MAX_THREADS}; results are the same for any count (default: ${THREADS_ENV}, else the cores${perJob})`,
  ).argParser(positiveInt('--threads'));

/** A positive whole number option value, with an error that names the option. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, got "${value}"`);
    return n;
  };
}

/** A whole number >= 0. */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number >= 0, got "${value}"`);
    return n;
  };
}
