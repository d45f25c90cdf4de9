import type { Command } from 'commander';

/** `talking-models bench speed`: see src/engine/bench/. */
export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks');
  bench
    .command('speed')
    .description('training throughput of the workloads of experiments.md')
    .action(() => {
      throw new Error('not implemented yet');
    });
}
