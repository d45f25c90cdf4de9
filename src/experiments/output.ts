import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/files.js';
import { differencesToStudent, learningCurves, toSvg } from './plots.js';
import { renderReport } from './report.js';
import { summarize, type CellRecord, type ResultFile } from './results.js';

/** Writes results.json, report.md and the SVG plots of a finished run into `outDir`. */
export async function writeOutputs(
  outDir: string,
  title: string,
  result: Omit<ResultFile, 'rows' | 'summary'>,
  cells: CellRecord[],
): Promise<ResultFile> {
  await mkdir(outDir, { recursive: true });
  const rows = cells.map((c) => c.row);
  const full: ResultFile = { ...result, rows, summary: summarize(rows) };
  await writeFileAtomic(join(outDir, 'results.json'), JSON.stringify(full, null, 2) + '\n');
  const plots = ['differences-to-student.svg', 'learning-curves.svg'];
  await writeFileAtomic(join(outDir, plots[0]), await toSvg(differencesToStudent(full)));
  await writeFileAtomic(join(outDir, plots[1]), await toSvg(learningCurves(cells)));
  await writeFileAtomic(join(outDir, 'report.md'), renderReport(full, title, plots));
  return full;
}
