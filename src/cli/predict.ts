import type { Command } from 'commander';
import { initBackend, type BackendRequest } from '../engine/backend.js';
import { loadModel } from '../models/io.js';
import { writeFileAtomic } from '../storage/files.js';
import { predict, predictedClasses } from '../distill/predict.js';
import { evaluate } from '../distill/evaluate.js';
import { checkFits } from '../distill/check_inputs.js';
import { readCsvTable } from '../data/csv.js';
import { loadRows, parseDataSpec, scalePixels, type DataMeta } from './data_spec.js';
import { readDataMeta } from './saved_run.js';
import { backendOption, positiveInt } from './options.js';

interface PredictFlags {
  model: string;
  data: string;
  target?: string;
  out: string;
  batchSize: number;
  backend: BackendRequest;
}

/** `talking-models predict`: a saved model on every row of a data set, in batches, to a CSV. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('run a saved model on every row of a data set; writes one prediction a row, in order')
    .requiredOption(
      '--model <dir>',
      'a folder written by distill or train, or any tfjs LayersModel folder or model.json',
    )
    .requiredOption(
      '--data <spec>',
      'csv:PATH, folder:PATH (its test/ images, else train/) or movielens:DIR (its test split)',
    )
    .option(
      '--target <column>',
      'csv: the column of known targets, to print the metric (default: the training target, if present)',
    )
    .requiredOption(
      '--out <file>',
      'the predictions CSV: a header and a `prediction` column (class index or value)',
    )
    .option('--batch-size <n>', 'rows per batch', positiveInt('--batch-size'), 1024)
    .addOption(backendOption())
    .action(async (flags: PredictFlags) => {
      const spec = parseDataSpec(flags.data, '--data');
      const backend = await initBackend(flags.backend);
      const model = await loadModel(flags.model);
      const width = model.outputs[0].shape[1] ?? 1;
      const meta: DataMeta = (await readDataMeta(flags.model)) ?? {
        kind: spec.kind,
        task: width > 1 ? 'classification' : 'regression',
      };
      // A model from `train` or `distill` knows its target column; one whose CSV lacks it has no targets.
      let target = flags.target;
      if (!target && spec.kind === 'csv' && meta.target) {
        if ((await readCsvTable(spec.path)).header.includes(meta.target)) target = meta.target;
      }
      const rows = await loadRows(spec, meta, target);
      try {
        checkFits(model, 'model', rows, spec.text);
      } catch (error) {
        throw new Error(`${flags.model}: the model does not fit the data: ${(error as Error).message}`);
      }
      const transform = spec.kind === 'folder' ? scalePixels : undefined;
      const predictions = predict(model, rows, { batchSize: flags.batchSize, transform });
      const values =
        meta.task === 'classification'
          ? predictedClasses(predictions)
          : predictions.values.filter((_, i) => i % predictions.width === 0);
      // float32 holds about 7 significant digits; more would print float noise.
      const text = (v: number) => String(Number.isInteger(v) ? v : +v.toPrecision(7));
      const lines = rows.target
        ? Array.from(values, (v, i) => `${text(rows.target!.values[i])},${text(v)}`)
        : Array.from(values, text);
      await writeFileAtomic(
        flags.out,
        [rows.target ? 'target,prediction' : 'prediction', ...lines].join('\n') + '\n',
      );
      console.log(`backend: ${backend}`);
      const metric = rows.target
        ? evaluate(model, { size: rows.size, inputs: rows.inputs, target: rows.target }, meta.task, {
            transform,
            clip: rows.clip,
          })
        : undefined;
      console.log(
        `predicted ${rows.describe}${metric ? `: ${metric.metric} ${metric.value.toFixed(4)}` : ''}; wrote ${flags.out}`,
      );
    });
}
