import { tuningTable } from './tuning.js';
import { better } from '../distill/evaluate.js';
import { type ResultFile, type ResultRow, type SummaryRow } from './results.js';
import { pairedLead, verdict, type PairedLead } from './stats.js';

const fmt = (v: number) => v.toFixed(4);
const signed = (v: number) => (v >= 0 ? '+' : '') + fmt(v);
const interval = (l: PairedLead) =>
  Number.isNaN(l.low)
    ? `${signed(l.lead)} (one pair: no interval)`
    : `${signed(l.lead)} [${signed(l.low)}, ${signed(l.high)}]`;

/** The suffix that marks a control: the same method with a randomly initialised teacher. */
export const RANDOM_TEACHER = '-random-teacher';
const isControl = (method: string) => method.endsWith(RANDOM_TEACHER);

export interface RankedMethod {
  method: string;
  mean: number;
  /** Standard deviation, across seeds, of the method's mean over tasks. */
  seedStd: number;
  n: number;
}

/** Methods that ran on every task, ranked by their mean over all tasks and seeds. */
export function overallRanking(result: Pick<ResultFile, 'rows'>): RankedMethod[] {
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
    .map(({ complete: _, ...m }) => m)
    .sort((a, b) => (better(metric, a.mean, b.mean) ? -1 : 1));
}

/**
 * Each ranked method's lead over the best other method (by overall mean), paired by task and
 * seed. Controls are never the rival: they answer another question (how much the teacher's
 * knowledge matters), not which method to use.
 */
export function leadsOverBestOther(result: Pick<ResultFile, 'rows'>): PairedLead[] {
  const ranking = overallRanking(result);
  return ranking.flatMap((own) => {
    const rival = ranking.find((r) => r.method !== own.method && !isControl(r.method));
    const lead = rival && pairedLead(result.rows, own.method, rival.method);
    return lead ? [lead] : [];
  });
}

/** The sentence that opens a report: does `method` lead the best other method, beyond noise? */
export function headline(result: Pick<ResultFile, 'rows'>, method: string): string | undefined {
  const lead = leadsOverBestOther(result).find((l) => l.method === method);
  if (!lead) return undefined;
  const outcome = verdict(lead);
  const said =
    outcome === 'no difference shown'
      ? 'the 95% interval includes zero, so neither a lead nor a loss is shown'
      : `the 95% interval excludes zero: \`${method}\` ${outcome === 'leads' ? 'leads' : 'loses to'} \`${lead.against}\``;
  return (
    `\`${method}\` against the best other method, \`${lead.against}\`: lead ${interval(lead)} ` +
    `over ${lead.n} task-seed pairs; ${said}.`
  );
}

function testTable(result: ResultFile, methods: string[], tasks: string[], metric: string): string[] {
  const cell = (method: string, task: string): SummaryRow | undefined =>
    result.summary.find((s) => s.method === method && s.task === task);
  const lines = [
    `Test ${metric === 'rmse' ? 'RMSE (lower is better)' : 'accuracy (higher is better)'}, mean ± standard deviation over seeds; ` +
      'the best of each row in bold; in brackets, the change against `student`.',
    '',
    `| task | teacher | ${methods.join(' | ')} |`,
    `|---|---|${methods.map(() => '---').join('|')}|`,
  ];
  for (const task of tasks) {
    const present = methods.map((m) => cell(m, task)).filter((s): s is SummaryRow => !!s);
    const best = present.reduce<SummaryRow | undefined>(
      (b, s) => (!b || better(s.metric, s.mean, b.mean) ? s : b),
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
  return lines;
}

function rankingTable(result: ResultFile): string[] {
  const ranking = overallRanking(result);
  if (!ranking.length) return [];
  const leads = leadsOverBestOther(result);
  const lines = [
    '## Over all tasks and seeds',
    '',
    'Lead: how much better than the best other method (by mean; controls are never the rival), ' +
      'paired by task and seed, with a 95% paired-t interval; positive is better for either metric. ' +
      'A lead or a loss counts only where its interval excludes zero.',
    '',
    '| method | mean | std over seeds of the mean over tasks | cells | best other method | lead [95% interval] | shown |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of ranking) {
    const lead = leads.find((l) => l.method === r.method);
    lines.push(
      `| ${r.method} | ${fmt(r.mean)} | ${fmt(r.seedStd)} | ${r.n} | ${lead ? lead.against : '–'} | ` +
        `${lead ? interval(lead) : '–'} | ${lead ? verdict(lead) : '–'} |`,
    );
  }
  return lines;
}

function studentTable(rows: ResultRow[], methods: string[], tasks: string[]): string[] {
  if (!methods.includes('student') || methods.length < 2) return [];
  const lines = [
    '## Paired difference to `student`, per task',
    '',
    'Lead over `student` (positive is better), paired by seed, with a 95% paired-t interval; ' +
      '"all" pairs every task and seed. An interval that excludes zero is in bold.',
    '',
    `| method | ${tasks.join(' | ')} | all |`,
    `|---|${tasks.map(() => '---').join('|')}|---|`,
  ];
  const shown = (l: PairedLead | undefined) =>
    !l ? '–' : l.excludesZero ? `**${interval(l)}**` : interval(l);
  for (const method of methods.filter((m) => m !== 'student')) {
    const perTask = tasks.map((task) => shown(pairedLead(rows, method, 'student', task)));
    lines.push(`| ${method} | ${perTask.join(' | ')} | ${shown(pairedLead(rows, method, 'student'))} |`);
  }
  return lines;
}

/**
 * For each method run beside its random-teacher control: its lead over `student`, the control's,
 * and its lead over the control, which is the part of its effect that needs the teacher's
 * knowledge (the rest is regularisation by the extra losses and models).
 */
function controlsTable(rows: ResultRow[], methods: string[]): string[] {
  const pairs = methods.filter((m) => methods.includes(m + RANDOM_TEACHER));
  if (!pairs.length) return [];
  const show = (l: PairedLead | undefined) => (l ? `${interval(l)} (${verdict(l)})` : '–');
  const lines = [
    "## Controls: what the teacher's knowledge adds",
    '',
    `Each method beside itself with the same teacher architecture at random initial weights (\`<method>${RANDOM_TEACHER}\`). ` +
      "The lead over the control is the part of the method's effect that comes from what the teacher learned.",
    '',
    "| method | lead over `student` | control's lead over `student` | lead over its control |",
    '|---|---|---|---|',
  ];
  for (const method of pairs) {
    const control = method + RANDOM_TEACHER;
    lines.push(
      `| ${method} | ${show(pairedLead(rows, method, 'student'))} | ${show(pairedLead(rows, control, 'student'))} | ` +
        `${show(pairedLead(rows, method, control))} |`,
    );
  }
  return lines;
}

/** Mean over seeds of each preliminary fit's best validation metric (kd's teacher head, takd's assistant). */
function preliminaryTable(rows: ResultRow[], tasks: string[]): string[] {
  const fits = [
    ...new Set(
      rows.flatMap((r) => Object.keys(r.preliminary ?? {}).map((label) => `${r.method}\u0000${label}`)),
    ),
  ];
  if (!fits.length) return [];
  const lines = [
    '## Preliminary fits',
    '',
    'Best validation metric of each fit a method makes before training the student, mean over seeds: ' +
      'the source of its targets.',
    '',
    `| method | fit | ${tasks.join(' | ')} |`,
    `|---|---|${tasks.map(() => '---').join('|')}|`,
  ];
  for (const fit of fits) {
    const [method, label] = fit.split('\u0000');
    const perTask = tasks.map((task) => {
      const values = rows
        .filter((r) => r.method === method && r.task === task && r.preliminary?.[label] !== undefined)
        .map((r) => r.preliminary![label]);
      return values.length ? fmt(values.reduce((a, b) => a + b, 0) / values.length) : '–';
    });
    lines.push(`| ${method} | ${label} | ${perTask.join(' | ')} |`);
  }
  return lines;
}

/**
 * Which part of the run cost what: each method's training seconds in its tuning candidates and in
 * its rows, summed over cells (workers run side by side, so the sum exceeds the wall time).
 */
export function costTable(result: Pick<ResultFile, 'rows' | 'tuning' | 'seconds'>): string[] {
  const methods = [...new Set(result.rows.map((r) => r.method))];
  const tuning = (m: string) => result.tuning?.choices.find((c) => c.method === m)?.seconds ?? 0;
  // A row taken from its tuning cell did not train again: its seconds are in that cell's, under tuning.
  const trained = result.rows.filter((r) => !r.tuningCell);
  const taken = result.rows.length - trained.length;
  const rows = (m: string) => trained.filter((r) => r.method === m).reduce((a, r) => a + r.seconds, 0);
  const total = methods.reduce((a, m) => a + tuning(m) + rows(m), 0);
  if (!total) return [];
  const min = (s: number) => (s / 60).toFixed(1);
  return [
    '## Cost',
    '',
    `Training minutes summed over cells (the teacher's pre-training, cached, is not counted); the run took ${min(result.seconds)} minutes of wall time.` +
      (taken
        ? ` ${taken} row${taken > 1 ? 's' : ''} at the tuning seed ${taken > 1 ? 'are' : 'is'} the chosen candidate's tuning cell, taken without training again: counted under tuning only.`
        : ''),
    '',
    '| method | tuning | rows | share |',
    '|---|---|---|---|',
    ...methods.map(
      (m) =>
        `| ${m} | ${min(tuning(m))} | ${min(rows(m))} | ${((100 * (tuning(m) + rows(m))) / total).toFixed(0)}% |`,
    ),
    `| all | ${min(methods.reduce((a, m) => a + tuning(m), 0))} | ${min(methods.reduce((a, m) => a + rows(m), 0))} | 100% |`,
  ];
}

/**
 * report.md: the headline (does talking lead the best other method, by a paired interval), the
 * test table with the teacher's reference, the ranking with paired leads, the paired differences
 * to `student` per task, the controls, and how the run was made.
 */
export function renderReport(result: ResultFile, title: string, plots: string[]): string {
  const tasks = [...new Set(result.rows.map((r) => r.task))];
  const methods = [...new Set(result.rows.map((r) => r.method))];
  const metric = result.summary[0]?.metric ?? 'rmse';
  const headlines = methods
    .filter((m) => m.startsWith('talking') && !isControl(m))
    .map((m) => headline(result, m))
    .filter((h): h is string => !!h);
  const section = (lines: string[]) => (lines.length ? ['', ...lines] : []);
  const lines = [
    `# ${title}`,
    ...section(headlines.length ? ['## Headline', '', ...headlines.map((h) => `- ${h}`)] : []),
    '',
    ...testTable(result, methods, tasks, metric),
    ...section(rankingTable(result)),
    ...section(studentTable(result.rows, methods, tasks)),
    ...section(controlsTable(result.rows, methods)),
    ...section(preliminaryTable(result.rows, tasks)),
    ...section(
      result.tuning ? tuningTable(result.tuning.choices, result.tuning.seed, result.tuning.tasks) : [],
    ),
    ...section(costTable(result)),
    '',
    '## Plots',
    '',
    ...plots.map((p) => `![${p}](${p})`),
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
  ];
  return lines.join('\n');
}
