/**
 * Trains candidate E1 teachers and prints their validation RMSE, the numbers behind the teacher
 * table of docs/experiment-choices.md. Each candidate is E1's default config with some fields
 * replaced; it learns from `u1.base` minus the seeded validation split, exactly as a run's teacher
 * does, and the test ratings are never read.
 *
 *   node --import tsx scripts/teacher-candidates.ts --data-dir ../shared/data [name ...]
 */
import { initBackend } from '../src/engine/backend.js';
import { locateDataset } from '../src/data/download.js';
import { loadMovieLens } from '../src/data/movielens/load.js';
import { parseMovielensGenreConfig } from '../src/experiments/movielens/config.js';
import { trainRatingTeacher } from '../src/experiments/movielens/teacher.js';

/** A candidate: the teacher's shape and its training (Adam, the given weight decay). */
const candidate = (
  teacher: { embedding: number; hidden: number[]; factors: number },
  training: {
    batchSize: number;
    weightDecay: number;
    learningRate?: number;
    epochs?: number;
    patience?: number;
  },
) => ({
  teacher: { ...teacher, biases: teacher.factors > 0 },
  teacherTraining: {
    epochs: training.epochs ?? 40,
    batchSize: training.batchSize,
    patience: training.patience ?? 4,
    optimizer: {
      name: 'adam',
      learningRate: training.learningRate ?? 1e-3,
      weightDecay: training.weightDecay,
    },
  },
});

const mf = (embedding: number) => ({ embedding, hidden: [], factors: embedding });

/** Candidates as overrides of E1's config (`teacher`, `teacherTraining`). */
export const CANDIDATES: Record<string, ReturnType<typeof candidate>> = {
  'mlp (the old default)': candidate(
    { embedding: 64, hidden: [256, 128, 64], factors: 0 },
    { epochs: 20, batchSize: 1024, patience: 3, weightDecay: 0 },
  ),
  'biased mf 64, wd 3e-4, batch 1024': candidate(mf(64), { batchSize: 1024, weightDecay: 3e-4 }),
  'biased mf 64, wd 3e-4, batch 512': candidate(mf(64), { batchSize: 512, weightDecay: 3e-4 }),
  'biased mf 64, wd 3e-4, batch 256': candidate(mf(64), { batchSize: 256, weightDecay: 3e-4 }),
  'biased mf 128, wd 3e-4, batch 512': candidate(mf(128), { batchSize: 512, weightDecay: 3e-4 }),
  'biased mf 64, wd 3e-4, batch 512, lr 5e-4': candidate(mf(64), {
    batchSize: 512,
    weightDecay: 3e-4,
    learningRate: 5e-4,
    epochs: 60,
  }),
  'biased mf 64 + tower 128-64 (one concat), wd 3e-4': candidate(
    { ...mf(64), hidden: [128, 64] },
    { batchSize: 1024, weightDecay: 3e-4 },
  ),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--data-dir');
  const dataDir = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const names = args.length > 0 ? args : Object.keys(CANDIDATES);
  const unknown = names.filter((n) => !(n in CANDIDATES));
  if (unknown.length)
    throw new Error(
      `Unknown candidate ${unknown.join(', ')}; expected ${Object.keys(CANDIDATES).join(', ')}`,
    );
  console.log(`backend: ${await initBackend('wasm')}`);
  const base = parseMovielensGenreConfig({});
  const dir = await locateDataset(base.dataset, { dataDir, log: console.log });
  const { data, splits } = await loadMovieLens(base.dataset, dir, {
    seed: base.dataSeed,
    split: base.split,
    validationFraction: base.validationFraction,
  });
  console.log('| candidate | validation RMSE | epochs run | seconds |\n|---|---|---|---|');
  for (const name of names) {
    const config = parseMovielensGenreConfig({ ...CANDIDATES[name], genres: base.genres });
    const started = Date.now();
    const { model, info } = await trainRatingTeacher({
      data,
      ratings: splits,
      model: config.teacher,
      training: config.teacherTraining,
    });
    model.dispose();
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`| ${name} | ${info.validation.toFixed(4)} | ${info.epochs} | ${seconds} |`);
  }
}

await main();
