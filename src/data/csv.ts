import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { DataError } from './errors.js';
import type { Column, Inputs, TensorDataset } from './dataset.js';

/** A CSV file as text cells: its header and its rows, with the line each row starts on. */
export interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
  lines: number[];
}

/** Numeric columns of a CSV as model inputs (one float32 input of all features), and the target if named. */
export interface CsvData extends Inputs {
  file: string;
  /** The feature columns, in the order of the input vector. */
  features: string[];
  target?: Column;
  targetName?: string;
}

const MISSING = new Set(['', 'na', 'nan', 'null']);

/** Reads a CSV with a header line (RFC 4180 quoting), naming the file and line of any problem. */
export async function readCsvTable(file: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      file,
      undefined,
      `cannot read the CSV (${code === 'ENOENT' ? 'no such file' : code})`,
    );
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new DataError(file, undefined, `not a valid CSV (${(error as Error).message})`);
  }
  if (records.length === 0)
    throw new DataError(file, undefined, 'empty; expected a header line of column names and rows of numbers');
  if (records.length === 1)
    throw new DataError(file, undefined, 'has a header line but no rows; expected rows of numbers below it');
  const [head, ...rows] = records;
  return {
    file,
    header: head.record,
    rows: rows.map((r) => r.record),
    // csv-parse counts the line a record ends on; a record starts there unless a quoted cell spans lines.
    lines: rows.map((r) => r.info.lines),
  };
}

function columnIndex(table: CsvTable, name: string, what: string): number {
  const index = table.header.indexOf(name);
  if (index < 0)
    throw new DataError(
      table.file,
      undefined,
      `no ${what} column "${name}"; the header has ${table.header.map((h) => `"${h}"`).join(', ')}`,
    );
  return index;
}

/**
 * The numeric columns of a CSV: `target` (if given) becomes the target, `features` (default: every
 * other column) the input vector. A text cell is refused with its column and line; rows with
 * missing cells are listed by line. Class labels must be whole numbers 0..k-1.
 */
export function csvData(
  table: CsvTable,
  options: { target?: string; features?: string[]; task?: 'regression' | 'classification' } = {},
): CsvData {
  const { file } = table;
  const targetIndex = options.target === undefined ? -1 : columnIndex(table, options.target, 'target');
  const features = options.features ?? table.header.filter((_, k) => k !== targetIndex);
  if (features.length === 0) throw new DataError(file, undefined, 'no feature columns besides the target');
  const featureIndex = features.map((name) => columnIndex(table, name, 'feature'));
  const used = targetIndex >= 0 ? [...featureIndex, targetIndex] : featureIndex;

  const missing = table.rows.flatMap((row, r) =>
    used.some((k) => MISSING.has((row[k] ?? '').toLowerCase())) ? [table.lines[r]] : [],
  );
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, ... (${missing.length} rows)` : '');
    throw new DataError(file, undefined, `missing values on line ${shown}; fill or remove these rows`);
  }
  const number = (r: number, k: number): number => {
    const cell = table.rows[r][k];
    const value = Number(cell);
    if (!Number.isFinite(value))
      throw new DataError(
        file,
        `line ${table.lines[r]}`,
        `column "${table.header[k]}" is not numeric ("${cell}"); expected a number in every feature and target ` +
          'cell (drop a text column or one-hot encode it first)',
      );
    return value;
  };
  const size = table.rows.length;
  const values = new Float32Array(size * features.length);
  for (let r = 0; r < size; r++)
    for (const [j, k] of featureIndex.entries()) values[r * features.length + j] = number(r, k);
  const data: CsvData = {
    file,
    size,
    features,
    inputs: [{ values, shape: [features.length], dtype: 'float32' }],
  };
  if (targetIndex >= 0) {
    const raw = Float64Array.from({ length: size }, (_, r) => number(r, targetIndex));
    if (options.task === 'classification') {
      const bad = raw.findIndex((v) => !Number.isInteger(v) || v < 0);
      if (bad >= 0)
        throw new DataError(
          file,
          `line ${table.lines[bad]}`,
          `target "${options.target}" is ${raw[bad]}; class labels must be whole numbers 0, 1, 2, ...`,
        );
      data.target = { values: Int32Array.from(raw), shape: [], dtype: 'int32' };
    } else {
      data.target = { values: Float32Array.from(raw), shape: [1], dtype: 'float32' };
    }
    data.targetName = options.target;
  }
  return data;
}

/** A CSV's data as a labelled dataset; an error if it has no target column. */
export function labelled(data: CsvData): TensorDataset {
  if (!data.target) throw new DataError(data.file, undefined, 'no target column was named');
  return { size: data.size, inputs: data.inputs, target: data.target };
}

/** Reads a CSV file into a dataset of its numeric columns (see `csvData`). */
export async function readCsv(
  file: string,
  options: { target?: string; features?: string[]; task?: 'regression' | 'classification' } = {},
): Promise<CsvData> {
  return csvData(await readCsvTable(file), options);
}
