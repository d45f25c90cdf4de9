import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { CellRecord, ResultFile } from './results.js';

/** Renders a Vega-Lite spec to SVG headless (vega's `none` renderer needs no canvas). */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Mean ± std of each method on each task, as bars with error bars. */
export function metricBars(result: ResultFile): TopLevelSpec {
  const metric = result.summary[0]?.metric ?? 'rmse';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Test ${metric} per task and method (mean ± std over seeds)`,
    data: { values: result.summary.map((s) => ({ ...s, low: s.mean - s.std, high: s.mean + s.std })) },
    facet: { column: { field: 'task', type: 'nominal', title: null } },
    spec: {
      width: 140,
      height: 220,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'method', type: 'nominal', title: null },
            y: { field: 'mean', type: 'quantitative', title: metric, scale: { zero: false } },
            color: { field: 'method', type: 'nominal', legend: null },
          },
        },
        {
          mark: { type: 'errorbar', ticks: true },
          encoding: {
            x: { field: 'method', type: 'nominal' },
            y: { field: 'low', type: 'quantitative', title: metric },
            y2: { field: 'high' },
          },
        },
      ],
    },
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
        color: { field: 'method', type: 'nominal' },
      },
    },
  };
}
