import { cnnWorkload } from './cnn.js';
import { recMlpWorkload } from './rec_mlp.js';
import { studentStepWorkload } from './student_step.js';
import { talkingStepWorkload } from './talking_step.js';
import { teacherForwardWorkload } from './teacher_forward.js';
import type { Workload } from './workload.js';

/** The speed workloads by name; `batch` overrides the size of experiments.md (for quick tests). */
export const WORKLOADS: Record<string, (batch?: number) => Workload> = {
  'rec-mlp': recMlpWorkload,
  cnn: cnnWorkload,
  'talking-step': talkingStepWorkload,
  'student-step': studentStepWorkload,
  'teacher-forward': teacherForwardWorkload,
};

/** The workload of that name, or an error listing the names there are. */
export function workloadNamed(name: string, batch?: number): Workload {
  const make = WORKLOADS[name];
  if (!make)
    throw new Error(`Unknown workload "${name}"; expected one of ${Object.keys(WORKLOADS).join(', ')}`);
  return make(batch);
}
