import { readFile } from 'node:fs/promises';
import { METHOD_NAMES, parseMethodConfig, type MethodConfig } from '../distill/methods/registry.js';

/** The --method choices: every method of the registry (`talking+kd` among them). */
export const METHOD_CHOICES: string[] = METHOD_NAMES;

/** The method of --method, with --method-config's fields over it; errors name the file. */
export async function methodFromFlags(method: string, configFile?: string): Promise<MethodConfig> {
  const base: Record<string, unknown> = { name: method };
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
  const merged: Record<string, unknown> = { ...fromFile, name: base.name };
  try {
    return parseMethodConfig(merged);
  } catch (error) {
    throw new Error(`${configFile ?? `--method ${method}`}: ${(error as Error).message}`);
  }
}
