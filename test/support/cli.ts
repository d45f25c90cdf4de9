import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The CLI as users run it: the built file when the tests run from dist/, else the source through tsx. */
export const cliArgs = here.includes('/dist/')
  ? [join(here, '..', '..', 'src', 'cli', 'main.js')]
  : ['--import', 'tsx', join(here, '..', '..', 'src', 'cli', 'main.ts')];

/** Runs `talking-models <args>`; rejects with its stderr when it exits non-zero. */
export const runCli = (args: string[], options: { cwd?: string } = {}) =>
  promisify(execFile)(process.execPath, [...cliArgs, ...args], { maxBuffer: 1 << 24, ...options });
