#!/usr/bin/env node
import { Command, Option } from 'commander';
import { BACKEND_REQUESTS } from '../engine/backend.js';
import { registerBenchCommand } from './bench.js';

/** Options every command accepts. */
export const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend').choices(BACKEND_REQUESTS as string[]).default('auto');

const program = new Command()
  .name('talking-models')
  .description('Distill a pre-trained teacher into a small student by letting the two models talk.')
  .showHelpAfterError();

registerBenchCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // One readable line for the user, not a stack trace (the wasm runtime would print its own source).
  console.error(`talking-models: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
