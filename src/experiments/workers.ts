import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Stage } from './plan.js';

/** Which of a run's `count` worker processes this is (its cells are the ones it claims, see runPlan). */
export interface WorkerSlot {
  index: number;
  count: number;
}

/** Parses `--worker k/n`. */
export function parseWorkerSlot(value: string): WorkerSlot {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(count >= 1 && index < count)) throw new Error(`--worker must be k/n with 0 <= k < n, got "${value}"`);
  return { index, count };
}

/**
 * Runs `count` copies of this very command as workers (`--resume --worker k/count --worker-stage
 * stage`), each training the stage's cells it claims into the shared cell store, and waits
 * for all. Processes fill the cores without sharing anything while they train (threads of one
 * wasm backend meet at every product); each worker gets the same --threads. Each worker's lines
 * are passed to `log` with its number in front.
 */
export async function runWorkers(
  count: number,
  stage: Stage,
  log: (line: string) => void,
  argv: string[] = process.argv.slice(1),
): Promise<void> {
  const outcomes = await Promise.allSettled(
    Array.from(
      { length: count },
      (_, k) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [...process.execArgv, ...argv, '--resume', '--worker', `${k}/${count}`, '--worker-stage', stage],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          const tail: string[] = [];
          for (const stream of [child.stdout, child.stderr]) {
            createInterface({ input: stream }).on('line', (line) => {
              tail.push(line);
              if (tail.length > 20) tail.shift();
              log(`[worker ${k}] ${line}`);
            });
          }
          child.on('error', reject);
          child.on('exit', (code, signal) =>
            code === 0
              ? resolve()
              : reject(
                  new Error(
                    `worker ${k} of ${count} failed (${signal ?? `exit code ${code}`}); its last lines:\n${tail.join('\n')}`,
                  ),
                ),
          );
        }),
    ),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
