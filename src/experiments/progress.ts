import cliProgress from 'cli-progress';
import type { TrainingEvents } from '../distill/train.js';

/** What an experiment reports: cells started and finished, and the current training. */
export interface ExperimentProgress {
  cellStart(index: number, total: number, name: string): void;
  cellEnd(index: number, total: number, line: string): void;
  training: TrainingEvents;
  message(line: string): void;
  stop(): void;
}

/**
 * Two bars with ETA on a terminal (the whole run in cells, the current training in batches);
 * on a pipe, in CI or when asked for `lines` (a worker process), one line per finished cell.
 */
export function consoleProgress(options: { lines?: boolean } = {}): ExperimentProgress {
  if (options.lines || !process.stderr.isTTY) {
    return {
      cellStart: () => {},
      cellEnd: (index, total, line) => console.log(`[${index + 1}/${total}] ${line}`),
      // A teacher's pre-training can take most of an hour: a line an epoch shows it is alive.
      training: {
        onEpochEnd: ({ label, phase, epoch, losses, validation, seconds }) => {
          const loss = Object.values(losses).reduce((a, b) => a + b, 0);
          const valid = validation ? `, validation ${validation.metric} ${validation.value.toFixed(4)}` : '';
          console.log(
            `  ${label} ${phase} epoch ${epoch}: loss ${loss.toFixed(4)}${valid} (${seconds.toFixed(1)} s)`,
          );
        },
        onMessage: (line) => console.log(`  ${line}`),
      },
      message: (line) => console.log(line),
      stop: () => {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: '{label} [{bar}] {value}/{total} | ETA {eta_formatted} | {task}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const run = bars.create(1, 0, { label: 'run     ', task: '' });
  let training: cliProgress.SingleBar | undefined;
  return {
    cellStart(index, total, name) {
      run.setTotal(total);
      run.update(index, { task: name });
    },
    cellEnd(index, total, line) {
      run.update(index + 1);
      bars.log(`[${index + 1}/${total}] ${line}\n`);
    },
    training: {
      onPhaseStart({ label, phase, epochs, batchesPerEpoch, startEpoch }) {
        training?.stop();
        bars.remove(training!);
        training = bars.create(epochs * batchesPerEpoch, startEpoch * batchesPerEpoch, {
          label: 'training',
          task: `${label} ${phase}`,
        });
      },
      onBatch({ label, phase, epoch, batch, batches }) {
        training?.update((epoch - 1) * batches + batch, { task: `${label} ${phase} epoch ${epoch}` });
      },
    },
    message: (line) => bars.log(line + '\n'),
    stop: () => bars.stop(),
  };
}
