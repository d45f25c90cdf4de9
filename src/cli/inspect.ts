import type { Command } from 'commander';
import { initBackend } from '../engine/backend.js';
import { loadModel } from '../models/io.js';
import { ModelGraph } from '../models/cut.js';
import { backendOption } from './options.js';

/**
 * The layers of a model with output shapes, marking where a talking layer pair may name them:
 * `cut` layers separate the graph (every path from the inputs passes through them), so the teacher
 * can think from one to a later one, and a student's last communication layer must be one.
 */
export function inspectLines(graph: ModelGraph): string[] {
  const cuts = new Set(graph.separators(graph.outputName));
  const defaults = new Map<string, string>();
  try {
    defaults.set(graph.lowerCut(), 'default 1st');
    defaults.set(graph.penultimate(), 'default 2nd');
  } catch {
    // A model without a single penultimate layer has no default pairs; its cut points still list.
  }
  const rows = graph.model.layers.map((layer) => {
    const shape = layer.outputShape;
    const text = Array.isArray(shape[0])
      ? JSON.stringify(shape)
      : `[${(shape as (number | null)[]).map((d) => d ?? 'batch').join(', ')}]`;
    const marks = [
      graph.inputNames.includes(layer.name) ? 'input' : cuts.has(layer.name) ? 'cut' : '',
      layer.name === graph.outputName ? 'output' : '',
      defaults.get(layer.name) ?? '',
    ].filter(Boolean);
    return [layer.name, layer.getClassName(), text, marks.join(', ')];
  });
  const header = ['layer', 'type', 'output shape', 'talking'];
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => c.padEnd(widths[k]))
      .join('  ')
      .trimEnd();
  const [first, second] = [...defaults.keys()];
  return [
    line(header),
    ...rows.map(line),
    '',
    `cut: the graph passes through this layer, so a talking pair may name it (the teacher thinks from one cut to a later one; ` +
      `a student's last pair must be a cut or the output). ${graph.model.layers.length} layers, ${graph.model.countParams()} weights.`,
    ...(first && second
      ? [
          `talking's default layers of this model: "${first}", then "${second}". To name others, give ` +
            `--method-config a file like {"layers": [{"student": "<a student layer>", "teacher": "${first}"}, ` +
            `{"student": "<a later student layer>", "teacher": "${second}"}]}`,
        ]
      : []),
  ];
}

/** `talking-models inspect MODEL`. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description("list a model's layers with output shapes, marking those a talking layer pair may name")
    .argument('<model>', 'a tfjs LayersModel folder or model.json, or a folder written by distill or train')
    .addOption(backendOption())
    .action(async (model: string, flags: { backend: 'auto' }) => {
      await initBackend(flags.backend);
      const graph = new ModelGraph(await loadModel(model));
      for (const line of inspectLines(graph)) console.log(line);
    });
}
