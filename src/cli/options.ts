import { Option } from 'commander';
import { BACKEND_REQUESTS } from '../engine/backend.js';

/** `--backend`, which every command that computes accepts. */
export const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend').choices(BACKEND_REQUESTS as string[]).default('auto');

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
