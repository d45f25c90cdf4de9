#!/usr/bin/env node
import { Command } from 'commander';
import { registerBenchCommand } from './bench.js';
import { registerRunCommand } from './run.js';
import { registerFitCommands } from './fit.js';
import { registerPredictCommand } from './predict.js';
import { registerInspectCommand } from './inspect.js';
import { packageVersion } from '../engine/package_root.js';

const program = new Command()
  .name('talking-models')
  .description('Distill a pre-trained teacher into a small student by letting the two models talk.')
  .version(packageVersion())
  .showHelpAfterError();

registerBenchCommand(program);
registerRunCommand(program);
registerFitCommands(program);
registerPredictCommand(program);
registerInspectCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // One readable line for the user, not a stack trace (the wasm runtime would print its own source).
  console.error(`talking-models: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
