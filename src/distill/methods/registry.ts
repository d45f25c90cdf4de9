import type { z } from 'zod';
import { formatIssues } from '../../util/schema.js';
import type { Distiller, MethodContext, TaskKind } from '../method.js';
import { createStudentOnly, studentKnob, studentSchema } from './student.js';
import { alphaKnob, createKd, kdSchema } from './kd.js';
import { createFitnet, fitnetKnob, fitnetSchema } from './fitnet.js';
import { createRkd, rkdKnob, rkdSchema } from './rkd.js';
import { createDkd, dkdKnob, dkdSchema } from './dkd.js';
import { createTakd, takdSchema } from './takd.js';
import { setUpTalking } from './talking/talking.js';
import { readingKnob, talkingKdSchema, talkingSchema, withKdTerm } from './talking/config.js';
import type { Knob } from './knob.js';

/** A method: its settings (with defaults) and how it sets itself up for one teacher/student pair. */
export interface MethodEntry<Schema extends z.ZodType> {
  schema: Schema;
  create(config: z.output<Schema>, ctx: MethodContext): Distiller | Promise<Distiller>;
  /** The tasks it is defined for; an experiment's default method list takes those of its task. */
  tasks: readonly TaskKind[];
  /** Said when it is asked for another task. */
  otherTask?: string;
  /** Its colour in every plot and report, the same in every run. */
  colour: string;
  /** The main knob experiments tune it by (protocol revision 2); without one it runs at its defaults. */
  knob?: Knob;
  /**
   * Whether its targets come from the teacher's output head (so `teacherHead` applies): an
   * experiment whose downstream classes differ from the teacher's then fine-tunes a new head.
   */
  usesTeacherHead?: (config: z.output<Schema>) => boolean;
}

const BOTH: readonly TaskKind[] = ['regression', 'classification'];

const method = <Schema extends z.ZodType>(
  schema: Schema,
  create: MethodEntry<Schema>['create'],
  about: Omit<MethodEntry<Schema>, 'schema' | 'create' | 'tasks'> &
    Partial<Pick<MethodEntry<Schema>, 'tasks'>>,
): MethodEntry<Schema> => ({ schema, create, tasks: BOTH, ...about });

const always = () => true;

/**
 * Every method, by the name its config gives. The config types, the method names, the CLI's
 * choices and the experiments' method lists all derive from this one table, so a new method is
 * its file (schema and set-up) plus one line here.
 */
export const METHODS = {
  student: method(studentSchema, (_config, ctx) => createStudentOnly(ctx), {
    colour: '#7f7f7f',
    knob: studentKnob,
  }),
  kd: method(kdSchema, createKd, { colour: '#ff7f0e', usesTeacherHead: always, knob: alphaKnob }),
  fitnet: method(fitnetSchema, createFitnet, { colour: '#2ca02c', knob: fitnetKnob }),
  rkd: method(rkdSchema, createRkd, { colour: '#9467bd', knob: rkdKnob }),
  dkd: method(dkdSchema, createDkd, {
    colour: '#8c564b',
    usesTeacherHead: always,
    knob: dkdKnob,
    tasks: ['classification'],
    otherTask: "for ratings use kd, whose soft target is the teacher's rating",
  }),
  takd: method(takdSchema, createTakd, { colour: '#e377c2', usesTeacherHead: always, knob: alphaKnob }),
  talking: method(talkingSchema, setUpTalking, {
    colour: '#1f77b4',
    usesTeacherHead: withKdTerm,
    knob: readingKnob,
  }),
  'talking+kd': method(talkingKdSchema, setUpTalking, {
    colour: '#17becf',
    usesTeacherHead: withKdTerm,
    knob: {
      ...readingKnob,
      follows: { method: 'kd', settings: { alpha: 'weights.kd', temperature: 'temperature' } },
    },
  }),
};

type Methods = typeof METHODS;
export type MethodName = keyof Methods;
export type MethodConfig = { [K in MethodName]: z.output<Methods[K]['schema']> }[MethodName];
export type MethodInput = { [K in MethodName]: z.input<Methods[K]['schema']> }[MethodName];

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** The methods defined for `task`, in the registry's order. */
export const methodsFor = (task: TaskKind): MethodName[] =>
  METHOD_NAMES.filter((name) => METHODS[name].tasks.includes(task));

export const isMethodName = (name: unknown): name is MethodName =>
  typeof name === 'string' && Object.hasOwn(METHODS, name);

/** Validates a method config, filling defaults; throws an error that names each bad field. */
export function parseMethodConfig(input: unknown): MethodConfig {
  const name = (input as { name?: unknown } | null)?.name;
  if (!isMethodName(name)) {
    throw new Error(
      `Invalid method config:\n  name: expected one of ${METHOD_NAMES.join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  const result = (METHODS[name].schema as z.ZodType<MethodConfig>).safeParse(input);
  if (!result.success) throw new Error(formatIssues(`${name} config`, result.error));
  return result.data;
}

/** Whether `config`'s targets come from the teacher's output head (see MethodEntry). */
export function usesTeacherHead(config: MethodConfig): boolean {
  const entry = METHODS[config.name] as MethodEntry<z.ZodType<MethodConfig>>;
  return entry.usesTeacherHead?.(config) ?? false;
}

/** Throws unless method `name` is defined for `task`, saying what to use instead. */
export function checkTask(name: MethodName, task: TaskKind): void {
  const entry: Pick<MethodEntry<z.ZodType>, 'tasks' | 'otherTask'> = METHODS[name];
  if (!entry.tasks.includes(task)) {
    throw new Error(
      `${name} is defined for ${entry.tasks.join(' and ')} only (the task here is ${task})` +
        (entry.otherTask ? `; ${entry.otherTask}` : ''),
    );
  }
}

/** Sets a method up for one teacher/student pair; every method then trains in the same loop. */
export async function createDistiller(config: MethodConfig, ctx: MethodContext): Promise<Distiller> {
  checkTask(config.name, ctx.task);
  const entry = METHODS[config.name] as MethodEntry<z.ZodType<MethodConfig>>;
  return entry.create(config, ctx);
}
