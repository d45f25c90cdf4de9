import { z } from 'zod';
import { better } from '../distill/evaluate.js';
import type { CellKey } from './cells.js';
import type { CellRecord } from './results.js';
import { canonicalJson } from '../util/canonical_json.js';
import { METHOD_NAMES, METHODS, type MethodInput } from '../distill/methods/registry.js';
import { knobSchema, type Candidate, type Knob } from '../distill/methods/knob.js';

/**
 * The same tuning budget for every method (experiments.md, protocol revision 2): each method picks
 * the value of its main knob from at most four candidates, on validation, with one seed, once per
 * experiment (the mean over its tasks), and every seed then runs with the chosen value.
 */

/** Each method's knob from the registry, the same for every experiment, so that nothing is picked per data set by hand. */
export const DEFAULT_KNOBS: Record<string, Knob> = Object.fromEntries(
  METHOD_NAMES.flatMap((name) => {
    const { knob } = METHODS[name] as { knob?: Knob };
    return knob ? [[name, knob]] : [];
  }),
);

export const tuningSchema = z
  .strictObject({
    /** Off: every method runs at its defaults. */
    enabled: z.boolean().default(true),
    /** The one seed the candidates are compared with. */
    seed: z.number().int().min(0).default(0),
    /**
     * The tasks whose mean validation metric chooses (absent: every task of the run). Optional
     * without a default, so that a config that leaves it out keeps its hash (and its cells).
     */
    tasks: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Knobs by method name, replacing the defaults as a whole; a method without one runs at its
     * defaults, a control with its method's choice.
     */
    knobs: z.record(z.string(), knobSchema).default(DEFAULT_KNOBS),
  })
  .prefault({});
export type TuningConfig = z.output<typeof tuningSchema>;

/** Plain-object deep merge: the patch's leaves replace the base's, objects merge, arrays replace. */
export function mergePatch<T extends Record<string, unknown>>(base: T, patch: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const old = out[key];
    const isObject = (v: unknown): v is Record<string, unknown> =>
      !!v && typeof v === 'object' && !Array.isArray(v);
    out[key] = isObject(old) && isObject(value) ? mergePatch(old, value) : value;
  }
  return out as T;
}

/**
 * The tasks the candidates run and are compared on: `tuning.tasks` in the run's order, or every
 * task. A name that is not a task of the run is an error naming the option and the tasks.
 */
export function tuningTasks(tuning: TuningConfig, tasks: string[], suite: string): string[] {
  if (!tuning.tasks) return tasks;
  const unknown = tuning.tasks.filter((t) => !tasks.includes(t));
  if (unknown.length)
    throw new Error(
      `Invalid ${suite} config: tuning.tasks: ${unknown.map((t) => `"${t}"`).join(', ')} ` +
        `${unknown.length > 1 ? 'are not tasks' : 'is not a task'} of this run; its tasks are ${tasks.join(', ')}`,
    );
  return tasks.filter((t) => tuning.tasks!.includes(t));
}

/** The method a row stands for: a control `<m>-random-teacher` is tuned as `m`. */
export const tunedAs = (method: string) => method.replace(/-random-teacher$/, '');

/** A tuning cell's method name: the method and the candidate's label. */
export const candidateMethod = (method: string, label: string) => `${method}@${label}`;

/** Whether a cell's method names a tuning candidate (method names hold no `@`). */
export const isCandidate = (cellMethod: string) => cellMethod.includes('@');

/**
 * The methods of a run that tune (each with a knob, once, a control counted as its method), in two
 * rounds: a method whose knob follows another method of the run tunes in the second, once that
 * method has chosen.
 */
export function tuningRounds(tuning: TuningConfig, methods: string[]): [string[], string[]] {
  if (!tuning.enabled) return [[], []];
  const tuned = [...new Set(methods.map(tunedAs))].filter((m) => tuning.knobs[m]);
  const leader = (m: string) => {
    const followed = tuning.knobs[m].follows?.method;
    if (followed === undefined || !tuned.includes(followed)) return undefined;
    if (tuning.knobs[followed].follows)
      throw new Error(`${m}'s knob follows ${followed}, whose knob follows another: one step at most`);
    return followed;
  };
  const followers = tuned.filter((m) => leader(m));
  return [tuned.filter((m) => !followers.includes(m)), followers];
}

/** The tuning cells of `tuned` (one round of `tuningRounds`): every candidate on every task of `tasks` (see `tuningTasks`), one seed. */
export function tuningPlan(tuning: TuningConfig, tuned: string[], tasks: string[]): CellKey[] {
  return tasks.flatMap((task) =>
    tuned.flatMap((method) =>
      Object.keys(tuning.knobs[method].candidates).map((label) => ({
        task,
        method: candidateMethod(method, label),
        seed: tuning.seed,
      })),
    ),
  );
}

/** What the report says of one method's tuning. */
export interface TuningChoice {
  method: string;
  knob: string;
  /** Mean validation metric over the tasks, per candidate label, in the knob's order. */
  candidates: { label: string; validation: number }[];
  chosen: string;
  /** The settings it took from the method its knob follows, e.g. "kd's alpha = 0.25". */
  follows?: string;
  /** Training seconds of all its candidate cells, for the report's cost table. */
  seconds: number;
}

/**
 * Picks the candidate of each method of `tuned` (one round of `tuningRounds`) with the best mean
 * validation metric over the tasks (the first on a tie, so the order of the candidates decides,
 * never chance). `cell(candidate, task)` reads a finished tuning cell's validation metric and
 * training seconds; `earlier` are the choices of the round before, which a follower took.
 */
export function chooseCandidates(
  tuning: TuningConfig,
  tuned: string[],
  tasks: string[],
  metric: 'rmse' | 'accuracy',
  cell: (candidate: string, task: string) => { validation: number; seconds: number },
  earlier: TuningChoice[] = [],
): TuningChoice[] {
  return tuned.map((method) => {
    const { knob, candidates } = tuning.knobs[method];
    const cells = Object.keys(candidates).map((label) => ({
      label,
      cells: tasks.map((t) => cell(candidateMethod(method, label), t)),
    }));
    const scored = cells.map(({ label, cells }) => ({
      label,
      validation: cells.reduce((a, c) => a + c.validation, 0) / tasks.length,
    }));
    const best = scored.reduce((b, s) => (better(metric, s.validation, b.validation) ? s : b));
    const seconds = cells.flatMap((c) => c.cells).reduce((a, c) => a + c.seconds, 0);
    const follows = followedSettings(tuning, earlier, method);
    return {
      method,
      knob,
      candidates: scored,
      chosen: best.label,
      seconds,
      ...(follows.length
        ? { follows: follows.map((f) => `${f.leader}'s ${f.setting} = ${f.value}`).join(', ') }
        : {}),
    };
  });
}

/** What a cell runs: its method's config and a patch of the training settings. */
export interface CellSetup {
  method: MethodInput;
  training: Record<string, unknown>;
}

const withPatch = (input: MethodInput, patch: Candidate): CellSetup => ({
  method: mergePatch(input as Record<string, unknown>, patch.method) as MethodInput,
  training: patch.training,
});

/** The settings a method takes from the choice its knob follows, if that method has chosen. */
function followedSettings(tuning: TuningConfig, choices: TuningChoice[], method: string) {
  const follows = tuning.knobs[method]?.follows;
  const choice = follows && choices.find((c) => c.method === follows.method);
  if (!follows || !choice) return [];
  const chosen = tuning.knobs[follows.method].candidates[choice.chosen].method;
  return Object.entries(follows.settings)
    .filter(([setting]) => chosen[setting] !== undefined)
    .map(([setting, path]) => ({ leader: follows.method, setting, path, value: chosen[setting] }));
}

/** `patch` under the settings `method` takes from the choice its knob follows. */
function withFollowed(
  tuning: TuningConfig,
  choices: TuningChoice[],
  method: string,
  patch: Candidate,
): Candidate {
  const atPath = (path: string, value: unknown): Record<string, unknown> => {
    const [key, ...rest] = path.split('.');
    return { [key]: rest.length ? atPath(rest.join('.'), value) : value };
  };
  const taken = followedSettings(tuning, choices, method).reduce<Record<string, unknown>>(
    (out, { path, value }) => mergePatch(out, atPath(path, value)),
    {},
  );
  return { method: mergePatch(taken, patch.method), training: patch.training };
}

/**
 * The setup of a tuning cell (`<method>@<label>`, see `candidateMethod`; method names hold no
 * `@`), with what it takes from `choices` (the first round's), or undefined for a row of the plan.
 */
export function candidateSetup(
  tuning: TuningConfig,
  cellMethod: string,
  methodInput: (method: string) => MethodInput,
  choices: TuningChoice[],
): CellSetup | undefined {
  if (!isCandidate(cellMethod)) return undefined;
  const at = cellMethod.indexOf('@');
  const method = cellMethod.slice(0, at);
  const candidate = tuning.knobs[method]?.candidates[cellMethod.slice(at + 1)];
  if (!candidate) throw new Error(`"${cellMethod}" names no tuning candidate`);
  return withPatch(methodInput(method), withFollowed(tuning, choices, method, candidate));
}

/** The setup of a row of the plan: its config with its method's chosen candidate. */
export function rowSetup(
  tuning: TuningConfig,
  choices: TuningChoice[],
  method: string,
  methodInput: (method: string) => MethodInput,
): CellSetup {
  return withPatch(methodInput(method), chosenPatch(tuning, choices, method));
}

/** The patch a row runs with: its method's chosen candidate (with what it follows), or none. */
export function chosenPatch(tuning: TuningConfig, choices: TuningChoice[], method: string): Candidate {
  const base = tunedAs(method);
  const choice = choices.find((c) => c.method === base);
  if (!choice) return { method: {}, training: {} };
  return withFollowed(tuning, choices, base, tuning.knobs[base].candidates[choice.chosen]);
}

/**
 * The tuning cell that is row `row`'s very training: its method's chosen candidate on the row's
 * task, when the row runs at the tuning seed on a task of `tasks` (see `tuningTasks`) with the same
 * setup as the candidate. A cell's student, data, batches and augmentation depend only on the
 * cell's seed, and nothing draws randomness from a row's name or a candidate's label, so the
 * two train bit for bit alike. The setups are compared, not assumed: a control (its teacher is
 * random) differs from its method's candidate, and a follower matches only with the same leader's
 * choice.
 */
export function rowTuningCell(
  tuning: TuningConfig,
  choices: TuningChoice[],
  row: CellKey,
  tasks: string[],
  methodInput: (method: string) => MethodInput,
): CellKey | undefined {
  const choice = choices.find((c) => c.method === tunedAs(row.method));
  if (!choice || row.seed !== tuning.seed || !tasks.includes(row.task)) return undefined;
  const method = candidateMethod(choice.method, choice.chosen);
  const same =
    canonicalJson(candidateSetup(tuning, method, methodInput, choices)) ===
    canonicalJson(rowSetup(tuning, choices, row.method, methodInput));
  return same ? { method, task: row.task, seed: row.seed } : undefined;
}

/**
 * Row `key` taken from the record of its tuning cell (see `rowTuningCell`), marked as such; or
 * undefined when that cell holds no test metric (written before tuning cells recorded one), and
 * the row must train.
 */
export function rowFromTuningCell(tuningCell: CellRecord, key: CellKey): CellRecord | undefined {
  const { row, history } = tuningCell;
  if (typeof row.value !== 'number' || Number.isNaN(row.value)) return undefined;
  return { row: { ...row, ...key, tuningCell: row.method }, history };
}

/** The report's tuning section: candidates with their validation means, the chosen one in bold. */
export function tuningTable(choices: TuningChoice[], seed: number, tasks: string[]): string[] {
  if (!choices.length) return [];
  const fmt = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(4));
  return [
    '## Tuning',
    '',
    `Each method's main knob, chosen from at most four candidates by the mean validation metric over ` +
      `${tasks.length > 1 ? 'the tasks' : 'the task'} ${tasks.join(', ')} at seed ${seed}; controls run with their method's choice, and a method whose knob follows another's ` +
      `runs its candidates with that method's choice (in brackets). The chosen value is in bold.`,
    '',
    '| method | knob | candidates (validation) |',
    '|---|---|---|',
    ...choices.map(
      (c) =>
        `| ${c.method} | ${c.knob}${c.follows ? ` (with ${c.follows})` : ''} | ${c.candidates
          .map((s) =>
            s.label === c.chosen
              ? `**${s.label}: ${fmt(s.validation)}**`
              : `${s.label}: ${fmt(s.validation)}`,
          )
          .join(', ')} |`,
    ),
  ];
}
