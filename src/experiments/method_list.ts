import {
  isMethodName,
  METHOD_NAMES,
  parseMethodConfig,
  type MethodInput,
} from '../distill/methods/registry.js';

/** Rows every experiment knows by name: the random-teacher controls of experiments.md. */
export const BUILT_IN_VARIANTS: Record<string, MethodInput> = {
  'talking-random-teacher': { name: 'talking', teacher: { init: 'random' } },
  'kd-random-teacher': { name: 'kd', teacher: { init: 'random' } },
};

/** The control rows every experiment runs by default. */
export const CONTROLS = Object.keys(BUILT_IN_VARIANTS);

/** The config of a method row: a variant of the config, a built-in variant, or the method by name. */
export function methodOf(method: string, variants: Record<string, Record<string, unknown>>): MethodInput {
  return (
    (variants[method] as MethodInput | undefined) ??
    BUILT_IN_VARIANTS[method] ??
    ({ name: method } as MethodInput)
  );
}

/**
 * Checks an experiment's method list: each entry a method or a named variant, each variant a
 * valid method config; errors name the experiment and the offending entry.
 */
export function checkMethodList(
  suite: string,
  methods: string[],
  variants: Record<string, Record<string, unknown>>,
): void {
  for (const [name, variant] of Object.entries(variants)) {
    try {
      parseMethodConfig(variant);
    } catch (error) {
      throw new Error(`Invalid ${suite} config: variant "${name}": ${(error as Error).message}`);
    }
  }
  const known = [...Object.keys(variants), ...Object.keys(BUILT_IN_VARIANTS)];
  for (const method of methods) {
    if (!isMethodName(method) && !known.includes(method)) {
      throw new Error(
        `Invalid ${suite} config:\n  methods: "${method}" is neither a method (${METHOD_NAMES.join(', ')}) nor a variant (${known.join(', ')})`,
      );
    }
  }
}
