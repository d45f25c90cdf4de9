import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { CellRecord, ResultFile } from './results.js';
import { pairedLead } from './stats.js';
import { isMethodName, METHODS } from '../distill/methods/registry.js';

/** Renders a Vega-Lite spec to SVG headless (vega's `none` renderer needs no canvas). */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/**
 * One colour per method in every plot and every report, whatever else a run has: each method
 * has its registry colour (a control is a lighter tint of its method's), and a named variant gets
 * one from a spare palette chosen by its name, so it too never changes between runs.
 */
const CONTROLS: Record<string, string> = {
  'kd-random-teacher': '#ffbb78',
  'talking-random-teacher': '#aec7e8',
};
const SPARE = [
  '#bcbd22',
  '#d62728',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#843c39',
  '#7b4173',
  '#3182bd',
  '#e6550d',
];

export function methodColour(method: string): string {
  if (isMethodName(method)) return METHODS[method].colour;
  if (CONTROLS[method]) return CONTROLS[method];
  let hash = 0;
  for (const char of method) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return SPARE[hash % SPARE.length];
}

function colourScale(methods: string[]) {
  return { domain: methods, range: methods.map(methodColour) };
}

/**
 * Each method's lead over `student`, paired by seed, per task and over all tasks ("all"), with
 * 95% interval bars and a line at zero: the differences themselves, which a bar chart of means
 * starting at zero hides when they are a few hundredths.
 */
export function differencesToStudent(result: Pick<ResultFile, 'rows'>): TopLevelSpec {
  const metric = result.rows[0]?.metric ?? 'rmse';
  const methods = [...new Set(result.rows.map((r) => r.method))].filter((m) => m !== 'student');
  const tasks = [...new Set(result.rows.map((r) => r.task)), 'all'];
  const values = methods.flatMap((method) =>
    tasks.flatMap((task) => {
      const lead = pairedLead(result.rows, method, 'student', task === 'all' ? undefined : task);
      if (!lead) return [];
      const bounded = !Number.isNaN(lead.low);
      return [
        { method, task, lead: lead.lead, low: bounded ? lead.low : null, high: bounded ? lead.high : null },
      ];
    }),
  );
  const y = { field: 'task', type: 'nominal' as const, sort: tasks, title: null };
  const yOffset = { field: 'method', type: 'nominal' as const, sort: methods };
  const color = { field: 'method', type: 'nominal' as const, scale: colourScale(methods), sort: methods };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Test ${metric}: lead over student (positive is better), paired by seed, 95% intervals`,
    data: { values },
    height: { step: Math.max(8, 3 * methods.length) },
    width: 420,
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { datum: 0 } } },
      {
        transform: [{ filter: 'datum.low !== null' }],
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { y, yOffset, color, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } },
      },
      {
        mark: { type: 'point', filled: true, size: 40 },
        encoding: {
          y,
          yOffset,
          color,
          x: { field: 'lead', type: 'quantitative', title: `lead over student in ${metric}` },
        },
      },
    ],
  };
}

/** Validation metric per epoch of the student's main phase, per method (first seed), one panel per task. */
export function learningCurves(cells: CellRecord[]): TopLevelSpec {
  const firstSeed = Math.min(...cells.map((c) => c.row.seed));
  const values = cells
    .filter((c) => c.row.seed === firstSeed)
    .flatMap((c) =>
      c.history
        .filter((h) => h.label === 'student' && h.phase === 'main' && h.validation)
        .map((h) => ({ task: c.row.task, method: c.row.method, epoch: h.epoch, value: h.validation!.value })),
    );
  const metric = cells[0]?.row.metric ?? 'rmse';
  const methods = [...new Set(cells.map((c) => c.row.method))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Validation ${metric} per epoch (seed ${firstSeed})`,
    data: { values },
    facet: { column: { field: 'task', type: 'nominal', title: null } },
    spec: {
      width: 180,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative' },
        y: { field: 'value', type: 'quantitative', title: `validation ${metric}`, scale: { zero: false } },
        color: { field: 'method', type: 'nominal', scale: colourScale(methods), sort: methods },
      },
    },
  };
}
