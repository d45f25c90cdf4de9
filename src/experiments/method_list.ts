import { isMethodName, METHOD_NAMES, parseMethodConfig } from '../distill/methods/registry.js';

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
  for (const method of methods) {
    if (!isMethodName(method) && !variants[method]) {
      throw new Error(
        `Invalid ${suite} config:\n  methods: "${method}" is neither a method (${METHOD_NAMES.join(', ')}) nor a variant (${Object.keys(variants).join(', ') || 'none defined'})`,
      );
    }
  }
}
