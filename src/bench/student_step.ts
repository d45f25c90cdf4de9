import { buildRecommender } from '../models/recommender.js';
import { recMlpWorkload } from './rec_mlp.js';
import { ITEMS, USERS } from './synthetic.js';
import type { Workload } from './workload.js';

/** A plain step of E1's student (embeddings 8, dense 32-16) at batch 1024: the reference for talking-step. */
export function studentStepWorkload(batch = 1024): Workload {
  return recMlpWorkload(batch, {
    name: 'student-step',
    build: (seed) => buildRecommender({ users: USERS, items: ITEMS, embedding: 8, hidden: [32, 16], seed }),
  });
}
