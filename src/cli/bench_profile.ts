import { loadavg } from 'node:os';
import type { Command } from 'commander';
import { describeBackend, initBackend, type BackendRequest } from '../engine/backend.js';
import { profileWorkload, type StepProfile } from '../bench/profile.js';
import { backendOption, nonNegativeInt, positiveInt, threadsOption } from './options.js';
import { writeResult } from './write_result.js';

interface ProfileFlags {
  backend: BackendRequest;
  threads?: number;
  workloads: string;
  steps: number;
  warmup: number;
  seed: number;
  batch?: number;
  top: number;
  out?: string;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** The `top` most expensive kernels of a profiled step, and the time outside kernels. */
export function profileTable(profile: StepProfile, top: number): string {
  const lines = [
    `${profile.workload} (batch ${profile.batch}): ${profile.stepMs.toFixed(1)} ms per profiled step`,
    '  kernel                         share   ms/step  calls/step',
  ];
  for (const k of profile.kernels.slice(0, top)) {
    lines.push(
      `  ${k.kernel.padEnd(28)} ${percent(k.share).padStart(7)}  ${k.msPerStep.toFixed(2).padStart(8)}  ${String(k.callsPerStep).padStart(10)}`,
    );
  }
  const rest = profile.kernels.slice(top);
  if (rest.length > 0) {
    const share = rest.reduce((sum, k) => sum + k.share, 0);
    lines.push(`  ${`${rest.length} other kernels`.padEnd(28)} ${percent(share).padStart(7)}`);
  }
  lines.push(`  ${'outside kernels'.padEnd(28)} ${percent(profile.outside).padStart(7)}`);
  return lines.join('\n');
}

/** `talking-models bench profile`: where a training step of each speed workload spends its time. */
export function registerProfileCommand(bench: Command): void {
  bench
    .command('profile')
    .description('time of each kernel in a training step of the speed workloads (shares of the step)')
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--workloads <list>', 'comma-separated workloads', 'rec-mlp,cnn,talking-step')
    .option('--steps <n>', 'profiled steps per workload', positiveInt('--steps'), 5)
    .option('--warmup <n>', 'unprofiled steps first', nonNegativeInt('--warmup'), 2)
    .option('--seed <n>', 'seed of the synthetic data and weights', nonNegativeInt('--seed'), 0)
    .option('--batch <n>', "override every workload's batch size", positiveInt('--batch'))
    .option('--top <n>', 'kernels to list per workload', positiveInt('--top'), 10)
    .option('--out <file>', 'write every kernel of every workload as JSON here')
    .action(async (flags: ProfileFlags) => {
      const backend = await initBackend(flags.backend, { threads: flags.threads });
      const load = loadavg()[0];
      console.log(
        `backend: ${describeBackend(backend)}; load average ${load.toFixed(2)} (shares stay meaningful under load, times do not)`,
      );
      const profiles: StepProfile[] = [];
      for (const name of flags.workloads.split(',').map((w) => w.trim())) {
        const profile = await profileWorkload(name, flags);
        profiles.push(profile);
        console.log(profileTable(profile, flags.top));
      }
      if (flags.out) {
        await writeResult(flags.out, {
          suite: 'profile',
          backend,
          loadBefore: load,
          loadAfter: loadavg()[0],
          profiles,
        });
      }
    });
}
