import { readFile } from 'node:fs/promises';
import { METHOD_NAMES, parseMethodConfig, type MethodConfig } from '../distill/methods/registry.js';

/**
 * The --method choices: every method, and `talking+kd`, talking with method.md's KD term added.
 * Until the registry has `talking+kd` as a method of its own, this is the one place that maps it
 * onto a talking config.
 */
export const METHOD_CHOICES = [...new Set<string>([...METHOD_NAMES, 'talking+kd'])];

const ALIASES: Record<string, Record<string, unknown>> = {
  'talking+kd': { name: 'talking', weights: { kd: 0.5 } },
};

/** The method of --method, with --method-config's fields over it; errors name the file. */
export async function methodFromFlags(method: string, configFile?: string): Promise<MethodConfig> {
  const base: Record<string, unknown> = (METHOD_NAMES as string[]).includes(method)
    ? { name: method }
    : (ALIASES[method] ?? { name: method });
  let fromFile: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = await readFile(configFile, 'utf8');
    } catch {
      throw new Error(`--method-config ${configFile}: no such file`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch (error) {
      throw new Error(`${configFile}: not valid JSON (${(error as Error).message})`);
    }
    if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile))
      throw new Error(`${configFile}: expected a JSON object of ${base.name} settings`);
    if (fromFile.name !== undefined && fromFile.name !== base.name)
      throw new Error(`${configFile}: "name" is "${fromFile.name}", but --method is ${method}`);
  }
  const merged: Record<string, unknown> = { ...base, ...fromFile, name: base.name };
  for (const key of ['weights', 'channel', 'teacher'])
    if (base[key] && fromFile[key]) merged[key] = { ...(base[key] as object), ...(fromFile[key] as object) };
  try {
    return parseMethodConfig(merged);
  } catch (error) {
    throw new Error(`${configFile ?? `--method ${method}`}: ${(error as Error).message}`);
  }
}
