import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DataError } from './errors.js';

/** A text file decoded once, read line by line with errors that say where. */
export interface TextFile {
  path: string;
  lines: string[];
}

/**
 * Reads a whole text file. MovieLens' own files are Latin-1 (titles with é, ö, ...), and
 * decoding them as UTF-8 would silently replace those bytes.
 */
export async function readText(path: string, encoding: 'latin1' | 'utf8', what: string): Promise<TextFile> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      path,
      undefined,
      code === 'ENOENT' ? `missing (${what} was expected here)` : String(error),
    );
  }
  const text = buffer.toString(encoding);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DataError(path, undefined, `empty file (expected ${what})`);
  return { path, lines };
}

/** The short name used in messages: errors name the file as the user knows it. */
export function fileLabel(path: string): string {
  return basename(path);
}

/** Parses a number in [min, max] (whole when `whole`), or throws naming file, line and field. */
function parseNumber(
  file: TextFile,
  line: number,
  value: string | undefined,
  name: string,
  [min, max]: [number, number],
  whole: boolean,
): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !(whole ? Number.isInteger(n) : Number.isFinite(n))) {
    const kind = whole ? 'a whole number' : 'a number';
    throw new DataError(file.path, `line ${line + 1}`, `${name} must be ${kind}, got "${value ?? ''}"`);
  }
  if (n < min || n > max) {
    throw new DataError(file.path, `line ${line + 1}`, `${name} must be in ${min}..${max}, got ${n}`);
  }
  return n;
}

/** Parses a field as an integer in [min, max]. */
export function intField(
  file: TextFile,
  line: number,
  value: string | undefined,
  name: string,
  min: number,
  max: number,
) {
  return parseNumber(file, line, value, name, [min, max], true);
}

/** Parses a number in [min, max] (ratings of MovieLens latest have halves). */
export function numberField(
  file: TextFile,
  line: number,
  value: string | undefined,
  name: string,
  min: number,
  max: number,
) {
  return parseNumber(file, line, value, name, [min, max], false);
}

/** Splits a line into exactly `count` fields, or throws saying what the columns should be. */
export function fields(
  file: TextFile,
  line: number,
  separator: string,
  count: number,
  columns: string,
): string[] {
  const parts = file.lines[line].split(separator);
  if (parts.length !== count) {
    throw new DataError(
      file.path,
      `line ${line + 1}`,
      `expected ${count} ${JSON.stringify(separator)}-separated fields (${columns}), got ${parts.length}`,
    );
  }
  return parts;
}

/** Splits one CSV line (RFC 4180 quoting: titles like "Toy Story, The (1995)"). */
export function csvFields(file: TextFile, line: number): string[] {
  const text = file.lines[line];
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw new DataError(file.path, `line ${line + 1}`, 'a quoted field is not closed');
  out.push(field);
  return out;
}
