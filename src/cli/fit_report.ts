import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { TensorDataset } from '../data/dataset.js';
import type { EpochRecord } from '../distill/history.js';
import type { Metric } from '../distill/evaluate.js';
import type { TaskKind } from '../distill/method.js';
import { writeFileAtomic } from '../storage/files.js';
import { toSvg } from '../experiments/plots.js';

/** The metric of always predicting the training mean (values) or the most frequent class. */
export function trivialMetric(train: TensorDataset, test: TensorDataset, task: TaskKind): Metric {
  const y = train.target.values;
  if (task === 'regression') {
    let mean = 0;
    for (const v of y) mean += v / y.length;
    let sum = 0;
    for (const v of test.target.values) sum += (v - mean) ** 2;
    return { metric: 'rmse', value: Math.sqrt(sum / test.size) };
  }
  const counts = new Map<number, number>();
  for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  let hits = 0;
  for (const v of test.target.values) if (v === majority) hits++;
  return { metric: 'accuracy', value: hits / test.size };
}

export interface FitSummary {
  title: string;
  command: string;
  lines: string[];
  /** Rows of the result table: who, and its metric on the test (or validation) data. */
  results: { who: string; metric?: Metric }[];
  on: string;
  history: EpochRecord[];
}

function curve(history: EpochRecord[]): TopLevelSpec {
  const values = history
    .filter((h) => h.validation)
    .map((h) => ({ fit: `${h.label} ${h.phase}`, epoch: h.epoch, value: h.validation!.value }));
  const metric = history.find((h) => h.validation)?.validation?.metric ?? 'rmse';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Validation ${metric} per epoch`,
    width: 360,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' },
      y: { field: 'value', type: 'quantitative', title: `validation ${metric}`, scale: { zero: false } },
      color: { field: 'fit', type: 'nominal' },
    },
  };
}

/** Writes DIR/metrics.jsonl (every epoch of every fit), DIR/report.md and DIR/validation.svg. */
export async function writeFitReport(dir: string, summary: FitSummary): Promise<void> {
  await writeFileAtomic(
    join(dir, 'metrics.jsonl'),
    summary.history.map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  await writeFileAtomic(join(dir, 'validation.svg'), await toSvg(curve(summary.history)));
  const fmt = (m?: Metric) => (m ? m.value.toFixed(4) : '-');
  const metric = summary.results.find((r) => r.metric)?.metric?.metric ?? '';
  const rows = summary.history.filter((h) => h.label === 'student' && h.phase === 'main');
  const report = [
    `# ${summary.title}`,
    '',
    `Made by \`${summary.command}\`.`,
    '',
    ...summary.lines.map((line) => `- ${line}`),
    '',
    `## ${metric} on ${summary.on}`,
    '',
    `| model | ${metric} |`,
    '| --- | --- |',
    ...summary.results.map((r) => `| ${r.who} | ${fmt(r.metric)} |`),
    '',
    '## Validation curve',
    '',
    '![validation curve](validation.svg)',
    '',
    `| epoch | training loss | validation ${metric} |`,
    '| --- | --- | --- |',
    ...rows.map(
      (h) =>
        `| ${h.epoch} | ${Object.values(h.losses)
          .reduce((a, b) => a + b, 0)
          .toFixed(4)} | ${fmt(h.validation)} |`,
    ),
    '',
    'Every epoch of every fit (a teacher head, an assistant, a handshake) is in metrics.jsonl.',
    '',
  ].join('\n');
  await writeFileAtomic(join(dir, 'report.md'), report);
}
