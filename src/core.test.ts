import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Every module `entry` loads, following relative imports, with the packages each imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const source = readFileSync(file, 'utf8');
    // Static imports and re-exports, side-effect imports and dynamic imports; not `import type`.
    const specifiers = [
      ...source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
      ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]);
    const packages = specifiers.filter((s) => !s.startsWith('.'));
    graph.set(file, packages);
    for (const s of specifiers.filter((s) => s.startsWith('.')))
      visit(join(dirname(file), s.replace(/\.js$/, extension)));
  };
  visit(entry);
  return graph;
}

test('the core (models, methods, training loop, distill) imports nothing from Node', () => {
  const graph = importGraph(join(here, `core${extension}`));
  const node = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const offending = [...graph].flatMap(([file, packages]) =>
    packages.filter((p) => p.startsWith('node:') || node.has(p)).map((p) => `${relative(here, file)}: ${p}`),
  );
  assert.deepEqual(offending, []);
  // The walk did reach the training loop and the methods.
  for (const module of [
    'distill/train',
    'distill/methods/registry',
    'distill/methods/talking/talking',
    'models/cut',
  ])
    assert.ok(graph.has(join(here, `${module}${extension}`)), module);
  const packages = new Set([...graph.values()].flat());
  assert.deepEqual([...packages].sort(), ['@tensorflow/tfjs', 'seedrandom', 'zod']);
});
