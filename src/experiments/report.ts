import { beats, type ResultFile, type SummaryRow } from './results.js';

const fmt = (v: number) => v.toFixed(4);

/**
 * Methods ranked by their mean over all tasks and seeds (those run on every task). `seedStd` is
 * the standard deviation, across seeds, of the method's mean over tasks: the seed spread a lead
 * between two methods should exceed.
 */
export function overallRanking(
  result: ResultFile,
): { method: string; mean: number; seedStd: number; n: number }[] {
  const tasks = new Set(result.rows.map((r) => r.task));
  const metric = result.rows[0]?.metric ?? 'rmse';
  return [...new Set(result.rows.map((r) => r.method))]
    .map((method) => {
      const rows = result.rows.filter((r) => r.method === method);
      const seeds = [...new Set(rows.map((r) => r.seed))];
      const perSeed = seeds.map((seed) => {
        const own = rows.filter((r) => r.seed === seed);
        return own.reduce((a, r) => a + r.value, 0) / own.length;
      });
      const mean = rows.reduce((a, r) => a + r.value, 0) / rows.length;
      const seedStd =
        perSeed.length > 1
          ? Math.sqrt(perSeed.reduce((a, v) => a + (v - mean) ** 2, 0) / (perSeed.length - 1))
          : 0;
      return {
        method,
        mean,
        seedStd,
        n: rows.length,
        complete: new Set(rows.map((r) => r.task)).size === tasks.size,
      };
    })
    .filter((m) => m.complete)
    .sort((a, b) => (beats(metric, a.mean, b.mean) ? -1 : 1));
}

/**
 * report.md: a table of mean ± std per task and method (best of each task in bold), the teacher's
 * reference, the change against `student`, the overall ranking with the seed spread, and how the
 * run was made.
 */
export function renderReport(result: ResultFile, title: string, plots: string[]): string {
  const tasks = [...new Set(result.rows.map((r) => r.task))];
  const methods = [...new Set(result.rows.map((r) => r.method))];
  const metric = result.summary[0]?.metric ?? 'rmse';
  const cell = (method: string, task: string): SummaryRow | undefined =>
    result.summary.find((s) => s.method === method && s.task === task);
  const lines = [`# ${title}`, ''];
  lines.push(
    `Test ${metric === 'rmse' ? 'RMSE (lower is better)' : 'accuracy (higher is better)'}, mean ± standard deviation over seeds; ` +
      'the best of each row in bold; in brackets, the change against `student`.',
    '',
  );
  lines.push(
    `| task | teacher | ${methods.join(' | ')} |`,
    `|---|---|${methods.map(() => '---').join('|')}|`,
  );
  for (const task of tasks) {
    const present = methods.map((m) => cell(m, task)).filter((s): s is SummaryRow => !!s);
    const best = present.reduce<SummaryRow | undefined>(
      (b, s) => (!b || beats(metric, s.mean, b.mean) ? s : b),
      undefined,
    );
    const base = cell('student', task);
    const cells = methods.map((m) => {
      const s = cell(m, task);
      if (!s) return '–';
      const text = `${fmt(s.mean)} ± ${fmt(s.std)}`;
      const change =
        base && m !== 'student' ? ` (${(((s.mean - base.mean) / base.mean) * 100).toFixed(1)}%)` : '';
      return (s === best ? `**${text}**` : text) + change;
    });
    const teacher = result.teacher.byTask[task];
    lines.push(`| ${task} | ${teacher === undefined ? '–' : fmt(teacher)} | ${cells.join(' | ')} |`);
  }
  const ranking = overallRanking(result);
  lines.push('', '## Over all tasks and seeds', '');
  if (ranking.length) {
    lines.push('| method | mean | std over seeds of the mean over tasks | cells |', '|---|---|---|---|');
    for (const r of ranking) lines.push(`| ${r.method} | ${fmt(r.mean)} | ${fmt(r.seedStd)} | ${r.n} |`);
    const [first, second] = ranking;
    if (second) {
      const spread = Math.max(first.seedStd, second.seedStd);
      const lead = Math.abs(first.mean - second.mean);
      const oneSeed = new Set(result.rows.map((r) => r.seed)).size < 2;
      lines.push(
        '',
        `Best: \`${first.method}\`, ahead of \`${second.method}\` by ${fmt(lead)}; ` +
          (oneSeed
            ? 'with one seed the seed spread is not measured, so this lead may be noise.'
            : `their seed spread is ${fmt(spread)}, so the lead is ${lead > spread ? 'larger' : 'not larger'} than the seed spread.`),
      );
    }
    const talking = ranking.findIndex((r) => r.method === 'talking');
    if (talking >= 0) {
      lines.push('', `\`talking\` ranks ${talking + 1} of ${ranking.length}.`);
      // The question the experiments ask: does talking beat every other method, beyond seed noise?
      const rival = ranking.find((r) => r.method !== 'talking');
      if (rival) {
        const own = ranking[talking];
        const margin = metric === 'rmse' ? rival.mean - own.mean : own.mean - rival.mean;
        const spread = Math.max(own.seedStd, rival.seedStd);
        lines.push(
          '',
          `Against the best other method, \`${rival.method}\`: ${margin >= 0 ? 'ahead' : 'behind'} by ` +
            `${fmt(Math.abs(margin))}, seed spread ${fmt(spread)}; \`talking\` ` +
            (margin > spread
              ? 'beats every other method by more than the seed spread.'
              : 'does not beat every other method by more than the seed spread.'),
        );
      }
    }
  }
  lines.push('', '## Plots', '', ...plots.map((p) => `![${p}](${p})`));
  lines.push(
    '',
    '## How this was made',
    '',
    `- Command: \`${result.command}\``,
    `- Dataset: ${result.dataset}; backend: ${result.backend}; quick: ${result.quick}`,
    `- Started ${result.started}; wall time ${(result.seconds / 60).toFixed(1)} minutes`,
    `- Teacher test ${metric} on ${result.teacher.on}: ${fmt(result.teacher.value)}`,
    '',
    '```json',
    JSON.stringify(result.config, null, 2),
    '```',
    '',
  );
  return lines.join('\n');
}
