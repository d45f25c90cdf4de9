import type { ExperimentProgress } from '../../src/experiments/progress.js';

/** Progress that reports nothing, for tests that run parts of an experiment. */
export const quietProgress: ExperimentProgress = {
  cellStart: () => {},
  cellEnd: () => {},
  training: {},
  message: () => {},
  stop: () => {},
};
