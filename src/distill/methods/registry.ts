import type { z } from 'zod';
import { formatIssues } from '../../util/schema.js';
import type { Distiller, MethodContext, TaskKind } from '../method.js';
import { createStudentOnly, studentSchema } from './student.js';
import { createKd, kdSchema } from './kd.js';
import { createFitnet, fitnetSchema } from './fitnet.js';
import { createRkd, rkdSchema } from './rkd.js';
import { createDkd, dkdSchema } from './dkd.js';
import { createTakd, takdSchema } from './takd.js';
import { setUpTalking } from './talking/talking.js';
import { talkingKdSchema, talkingSchema } from './talking/config.js';

/** A method: its settings (with defaults) and how it sets itself up for one teacher/student pair. */
export interface MethodEntry<Schema extends z.ZodType> {
  schema: Schema;
  create(config: z.output<Schema>, ctx: MethodContext): Distiller | Promise<Distiller>;
  /** The tasks it is defined for; an experiment's default method list takes those of its task. */
  tasks: readonly TaskKind[];
  /** Said when it is asked for another task. */
  otherTask?: string;
}

const BOTH: readonly TaskKind[] = ['regression', 'classification'];

const method = <Schema extends z.ZodType>(
  schema: Schema,
  create: MethodEntry<Schema>['create'],
  only?: Pick<MethodEntry<Schema>, 'tasks' | 'otherTask'>,
): MethodEntry<Schema> => ({ schema, create, ...(only ?? { tasks: BOTH }) });

/**
 * Every method, by the name its config gives. The config types, the method names, the CLI's
 * choices and the experiments' method lists all derive from this one table, so a new method is
 * its file (schema and set-up) plus one line here.
 */
export const METHODS = {
  student: method(studentSchema, (_config, ctx) => createStudentOnly(ctx)),
  kd: method(kdSchema, createKd),
  fitnet: method(fitnetSchema, createFitnet),
  rkd: method(rkdSchema, createRkd),
  dkd: method(dkdSchema, createDkd, {
    tasks: ['classification'],
    otherTask: "for ratings use kd, whose soft target is the teacher's rating",
  }),
  takd: method(takdSchema, createTakd),
  talking: method(talkingSchema, setUpTalking),
  'talking+kd': method(talkingKdSchema, setUpTalking),
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
