import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, type Option } from 'commander';
import {
  isMethodName,
  METHOD_NAMES,
  METHODS,
  methodsFor,
  parseMethodConfig,
} from '../src/distill/methods/registry.js';
import { registerFitCommands } from '../src/cli/fit.js';
import { checkMethodList } from '../src/experiments/method_list.js';
import { parseMovielensGenreConfig } from '../src/experiments/movielens/config.js';
import { parseImageTransferConfig } from '../src/experiments/images/config.js';

/*
 * Adding a method touches src/distill/methods/ only: every other list of methods derives from the
 * registry there, and no other source file spells one out.
 */

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

test('the config union, the CLI choices and the experiments take their methods from the registry', () => {
  assert.deepEqual(METHOD_NAMES, Object.keys(METHODS));
  assert.deepEqual(
    METHOD_NAMES.map((name) => parseMethodConfig({ name }).name),
    METHOD_NAMES,
  );
  const program = new Command();
  registerFitCommands(program);
  const distill = program.commands.find((c) => c.name() === 'distill')!;
  const method = (distill.options as Option[]).find((o) => o.long === '--method')!;
  assert.deepEqual(method.argChoices, METHOD_NAMES);
  assert.deepEqual(
    [...new Set([...methodsFor('regression'), ...methodsFor('classification')])].sort(),
    [...METHOD_NAMES].sort(),
  );
  // The default rows: every method of the task (controls and variants besides).
  assert.deepEqual(parseMovielensGenreConfig({}).methods.filter(isMethodName), methodsFor('regression'));
  assert.deepEqual(parseImageTransferConfig({}).methods.filter(isMethodName), methodsFor('classification'));
  checkMethodList('test', METHOD_NAMES, {});
  assert.throws(() => checkMethodList('test', ['distil'], {}), /"distil" is neither a method/);
});

/** The distinct method names a source file spells as a string or as an object key, comments aside. */
function methodsNamedIn(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  return METHOD_NAMES.filter((name) => {
    const escaped = name.replace(/[+]/g, '\\+');
    return new RegExp(`(['"\`])${escaped}\\1|^\\s*${escaped}\\s*:`, 'm').test(code);
  });
}

test('no source file outside src/distill/methods lists methods by hand', () => {
  // Three or more names make a list; a file may still name one or two methods on purpose
  // (`student` as the baseline, the random-teacher controls of experiments.md).
  assert.deepEqual(methodsNamedIn("const x = ['kd', 'dkd'];\nconst y = {\n  takd: 1 };"), [
    'kd',
    'dkd',
    'takd',
  ]);
  assert.deepEqual(methodsNamedIn("// 'kd', 'dkd', 'takd'\n/* 'rkd' */ const s = 'kd-random';"), []);
  const src = join(root, 'src');
  const lists = (readdirSync(src, { recursive: true }) as string[])
    .filter((file) => /(?<!\.test|\.d)\.ts$/.test(file) && !file.startsWith(join('distill', 'methods')))
    .map((file) => ({ file, names: methodsNamedIn(readFileSync(join(src, file), 'utf8')) }))
    .filter(({ names }) => names.length >= 3);
  assert.deepEqual(lists, []);
});
