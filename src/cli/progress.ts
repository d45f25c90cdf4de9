import cliProgress from 'cli-progress';

/**
 * A progress bar with ETA on an interactive terminal; on a pipe or in CI, where redrawing a bar
 * only litters the log, nothing (the commands print their own summary lines).
 */
export function progressBar(label: string): cliProgress.SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {task} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
}
