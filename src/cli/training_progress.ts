import type { TrainingEvents } from '../distill/train.js';
import type { EpochRecord } from '../distill/history.js';
import { progressBar } from './progress.js';

/** The part of a cli-progress bar the reporter drives (so tests can pass a recorder). */
export interface Bar {
  start(total: number, value: number, payload: { task: string }): void;
  update(value: number, payload: { task: string }): void;
  stop(): void;
}

export interface TrainingProgressOptions {
  /** Where epoch and note lines go; default stderr, so stdout stays for the command's results. */
  log?: (line: string) => void;
  /** Makes the batch bar of a fit; default a cli-progress bar on a terminal, none on a pipe. */
  bar?: (label: string) => Bar | undefined;
}

/** `student main epoch 3/30: task 0.5123, interact 0.2011 | val rmse 0.6100 | 1.2 s` */
export function formatEpoch(record: EpochRecord, epochs: number): string {
  const losses = Object.entries(record.losses)
    .map(([name, value]) => `${name} ${value.toFixed(4)}`)
    .join(', ');
  const validation = record.validation
    ? ` | val ${record.validation.metric} ${record.validation.value.toFixed(4)}`
    : '';
  return `${record.label} ${record.phase} epoch ${record.epoch}/${epochs}: ${losses}${validation} | ${record.seconds.toFixed(1)} s`;
}

/**
 * Training events for a terminal: a bar over each epoch's batches with its ETA, cleared when the
 * epoch ends and replaced by one line of the epoch's losses and validation metric, plus the
 * loop's notes (resume, early stop, best epoch restored). The library itself prints nothing;
 * commands pass these events to `distill`.
 */
export function trainingProgress(options: TrainingProgressOptions = {}): TrainingEvents {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const makeBar = options.bar ?? progressBar;
  let epochs = 0;
  let bar: Bar | undefined;
  return {
    onPhaseStart(info) {
      epochs = info.epochs;
      const from = info.startEpoch > 0 ? ` from epoch ${info.startEpoch + 1}` : '';
      log(
        `${info.label} ${info.phase}: up to ${info.epochs} epochs of ${info.batchesPerEpoch} batches${from}`,
      );
    },
    onBatch(info) {
      const task = `epoch ${info.epoch}/${epochs}`;
      if (info.batch === 1) {
        bar = makeBar(`${info.label} ${info.phase}`);
        bar?.start(info.batches, 0, { task });
      }
      bar?.update(info.batch, { task });
    },
    onEpochEnd(record) {
      bar?.stop();
      bar = undefined;
      log(formatEpoch(record, epochs));
    },
    onMessage: (line) => log(line),
  };
}
