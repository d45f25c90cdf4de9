import { cnnWorkload } from './cnn.js';
import { recMlpWorkload } from './rec_mlp.js';
import { studentStepWorkload } from './student_step.js';
import { talkingStepWorkload } from './talking_step.js';
import type { Workload } from './workload.js';

/** The speed workloads by name; `batch` overrides the size of experiments.md (for quick tests). */
export const WORKLOADS: Record<string, (batch?: number) => Workload> = {
  'rec-mlp': recMlpWorkload,
  cnn: cnnWorkload,
  'talking-step': talkingStepWorkload,
  'student-step': studentStepWorkload,
};
