import { readFile } from 'node:fs/promises';
import { DataError } from './errors.js';

/**
 * A text file kept as bytes and decoded one line at a time: a large CSV (MovieLens latest's
 * ratings.csv is ~900 MB) does not fit in one JavaScript string, and an array of line strings
 * would be a second full copy of the data.
 */
export interface TextFile {
  path: string;
  bytes: Buffer;
  /** MovieLens 100K/1M are Latin-1 (titles with é, ö, ...): decoding them as UTF-8 would replace those bytes. */
  encoding: 'latin1' | 'utf8';
}

/** One line of a file, with what an error message needs to say where it is. */
export interface Line {
  path: string;
  /** 1-based, as editors count. */
  number: number;
  text: string;
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/** Reads a whole file; a missing or empty file is an error saying what was expected there. */
export async function readText(
  path: string,
  encoding: TextFile['encoding'],
  what: string,
): Promise<TextFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      path,
      undefined,
      code === 'ENOENT' ? `missing (${what} was expected here)` : String(error),
    );
  }
  // Stops at the first printable byte, so a large file costs nothing here.
  if (!bytes.some((b) => b > 0x20)) throw new DataError(path, undefined, `empty file (expected ${what})`);
  return { path, bytes, encoding };
}

/** The number of lines (a final newline does not start another one). */
export function lineCount(file: TextFile): number {
  let count = 0;
  let at = -1;
  while ((at = file.bytes.indexOf(NEWLINE, at + 1)) >= 0) count++;
  const last = file.bytes.length - 1;
  return last >= 0 && file.bytes[last] !== NEWLINE ? count + 1 : count;
}

/** The lines of the file in order, "\n" or "\r\n" ended. */
export function* lines(file: TextFile): Generator<Line> {
  let start = 0;
  for (let number = 1; start < file.bytes.length; number++) {
    let end = file.bytes.indexOf(NEWLINE, start);
    if (end < 0) end = file.bytes.length;
    const stop = end > start && file.bytes[end - 1] === RETURN ? end - 1 : end;
    yield { path: file.path, number, text: file.bytes.toString(file.encoding, start, stop) };
    start = end + 1;
  }
}

/** An error located at `line`. */
export function lineError(line: Line, problem: string): DataError {
  return new DataError(line.path, `line ${line.number}`, problem);
}

const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/**
 * Parses a field as a number in [min, max] (a whole one when `whole`). Stricter than Number(),
 * which would read "", " 7" or "0x1F" as numbers and so let a garbled line through.
 */
export function numberField(
  line: Line,
  value: string | undefined,
  name: string,
  [min, max]: [number, number],
  whole = true,
): number {
  if (value === undefined || !(whole ? WHOLE : DECIMAL).test(value)) {
    throw lineError(line, `${name} must be ${whole ? 'a whole number' : 'a number'}, got "${value ?? ''}"`);
  }
  const n = Number(value);
  if (n < min || n > max) throw lineError(line, `${name} must be in ${min}..${max}, got ${n}`);
  return n;
}

const SEPARATOR_NAMES: Record<string, string> = {
  '\t': 'tab-separated',
  ',': 'comma-separated',
  '|': '"|"-separated',
  '::': '"::"-separated',
};

/**
 * Splits a line into exactly as many fields as `columns` names, or throws saying what the
 * columns should be. A comma separator means CSV, with RFC 4180 quoting (titles like
 * "American President, The (1995)").
 */
export function fields(line: Line, separator: string, columns: string[]): string[] {
  const parts = separator === ',' && line.text.includes('"') ? csvSplit(line) : line.text.split(separator);
  if (parts.length !== columns.length) {
    const kind = SEPARATOR_NAMES[separator] ?? `${JSON.stringify(separator)}-separated`;
    throw lineError(
      line,
      `expected ${columns.length} ${kind} fields (${columns.join(', ')}), got ${parts.length}`,
    );
  }
  return parts;
}

function csvSplit(line: Line): string[] {
  const text = line.text;
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
  if (quoted) throw lineError(line, 'a quoted field is not closed');
  out.push(field);
  return out;
}
