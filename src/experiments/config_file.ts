import { readOrExplain } from '../storage/files.js';

/**
 * Reads an experiment's `--config` file, checked on its own with the experiment's `parse`, so that
 * every error names the file: a missing file, invalid JSON, an unknown key (with the allowed ones)
 * or a bad value.
 */
export async function readConfigFile(
  file: string,
  parse: (input: unknown) => unknown,
): Promise<Record<string, unknown>> {
  const text = (await readOrExplain(file, 'the config file')).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: the config file is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file}: the config file must hold one JSON object, got ${JSON.stringify(value)}`);
  }
  try {
    parse(value);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  return value as Record<string, unknown>;
}
