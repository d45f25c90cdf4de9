import { readFileSync } from 'node:fs';

/**
 * The OpenBLAS core type (OPENBLAS_CORETYPE) whose kernels this CPU runs, from /proc/cpuinfo's
 * vendor and flags; undefined when the CPU has no AVX, where OpenBLAS's own choice is as good.
 * OpenBLAS picks by CPUID at load time, and inside a VM that often fails and falls back to a
 * generic kernel several times slower, which is what an "as installed" PyTorch then measures.
 */
export function openblasCoreType(cpuinfo: string): string | undefined {
  const field = (name: string) =>
    cpuinfo
      .split('\n')
      .find((line) => line.startsWith(name))
      ?.split(':')[1]
      ?.trim() ?? '';
  const flags = new Set(field('flags').split(/\s+/));
  const has = (...names: string[]) => names.every((name) => flags.has(name));
  if (has('avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512cd')) return 'SkylakeX';
  if (has('avx2', 'fma')) return field('vendor_id') === 'AuthenticAMD' ? 'Zen' : 'Haswell';
  if (has('avx')) return 'Sandybridge';
  return undefined;
}

/** /proc/cpuinfo, or '' where there is none (not Linux). */
export function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** Clock ticks: all CPUs' busy and total time, and this process's own (with waited-for children). */
interface CpuTicks {
  busy: number;
  total: number;
  own: number;
}

/** Reads /proc/stat and /proc/self/stat; undefined where they do not exist. */
export function cpuTicks(): CpuTicks | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [, , , idle, iowait] = cpu;
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    // After the command name in parentheses: utime, stime, cutime, cstime are fields 14-17.
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const own = fields.slice(11, 15).reduce((a, b) => a + b, 0);
    return { busy: total - idle - iowait, total, own };
  } catch {
    return undefined;
  }
}

/**
 * The share of the machine's CPU time that other processes used between two readings, in cores
 * per core (0 idle, 1 every core busy): the load the run itself adds is left out, which the load
 * average cannot do.
 */
export function othersPerCore(before: CpuTicks, after: CpuTicks): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.max(0, after.busy - before.busy - (after.own - before.own)) / total;
}

/** Above this load per core, other processes distort both frameworks' times (PyTorch's two threads most). */
export const MAX_LOAD_PER_CORE = 0.5;

/**
 * Why a ratio between the frameworks cannot be trusted on this machine now, or undefined when it
 * can: the one-minute load average before the run, or the others' CPU use during it, is above
 * MAX_LOAD_PER_CORE per core.
 */
export function loadProblem(machine: {
  cpus: number;
  loadBefore: number;
  othersPerCore?: number;
}): string | undefined {
  const perCore = machine.loadBefore / machine.cpus;
  if (perCore > MAX_LOAD_PER_CORE) {
    return (
      `the load average before the run was ${machine.loadBefore.toFixed(2)} on ${machine.cpus} cpus ` +
      `(${perCore.toFixed(2)} per core, above ${MAX_LOAD_PER_CORE})`
    );
  }
  if (machine.othersPerCore !== undefined && machine.othersPerCore > MAX_LOAD_PER_CORE) {
    return (
      `other processes used ${machine.othersPerCore.toFixed(2)} of each core during the run ` +
      `(above ${MAX_LOAD_PER_CORE})`
    );
  }
  return undefined;
}
