import { tf } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { median } from './speed.js';
import { workloadNamed } from './workloads.js';

/** One kernel's part of a training step, summed over its calls. */
export interface KernelShare {
  kernel: string;
  msPerStep: number;
  /** Of the whole step's wall time. */
  share: number;
  callsPerStep: number;
}

/** Where one workload's training step spends its time, by kernel. */
export interface StepProfile {
  workload: string;
  batch: number;
  /** Median wall time of a profiled step (profiling adds a little per kernel call). */
  stepMs: number;
  /** Every kernel, most expensive first. */
  kernels: KernelShare[];
  /** The step's time outside every kernel: JavaScript, the gradient tape, allocation; as a share. */
  outside: number;
}

export interface ProfileOptions {
  steps: number;
  warmup: number;
  seed: number;
  batch?: number;
}

/**
 * Profiles `steps` training steps of a speed workload with tf.profile, which times every kernel
 * the engine runs (the wasm backend's timer is wall time around the kernel call; composite kernels
 * of our pack count as one). Times are summed per kernel name and divided by the steps.
 */
export async function profileWorkload(name: string, options: ProfileOptions): Promise<StepProfile> {
  const workload = workloadNamed(name, options.batch);
  const prepared = await workload.prepare(new Random(options.seed).derive(name));
  const backend = tf.getBackend();
  const totals = new Map<string, { ms: number; calls: number }>();
  const walls: number[] = [];
  try {
    for (let i = 0; i < options.warmup; i++) prepared.step();
    for (let i = 0; i < options.steps; i++) {
      let wall = 0;
      const info = await tf.profile(() => {
        const start = performance.now();
        prepared.step();
        wall = performance.now() - start;
      });
      walls.push(wall);
      for (const kernel of info.kernels) {
        // An op made with customGrad (fusedConv2d__op) records its whole forward function, whose
        // kernels are recorded again on their own: only kernels of the backend count.
        if (tf.getKernel(kernel.name, backend) == null) continue;
        const total = totals.get(kernel.name) ?? { ms: 0, calls: 0 };
        total.ms += kernel.kernelTimeMs as number;
        total.calls++;
        totals.set(kernel.name, total);
      }
    }
  } finally {
    prepared.dispose();
  }
  const meanWall = walls.reduce((a, b) => a + b, 0) / walls.length;
  const kernels = [...totals]
    .map(([kernel, { ms, calls }]) => ({
      kernel,
      msPerStep: ms / options.steps,
      share: ms / options.steps / meanWall,
      callsPerStep: calls / options.steps,
    }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  const inKernels = kernels.reduce((sum, k) => sum + k.share, 0);
  return {
    workload: name,
    batch: workload.batch,
    stepMs: median(walls),
    kernels,
    outside: Math.max(0, 1 - inKernels),
  };
}
