import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayersModel } from '../engine/tf.js';
import { loadModel, saveModel } from '../models/io.js';
import { writeFileAtomic } from '../storage/files.js';

/** A key over everything that determines a pre-trained teacher: its config and its data. */
export function teacherKey(config: unknown, dataFingerprint: string): string {
  return createHash('sha256')
    .update(JSON.stringify(config))
    .update(dataFingerprint)
    .digest('hex')
    .slice(0, 16);
}

/** SHA-256 over files' bytes (the training data a teacher sees). */
export async function fingerprint(files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) hash.update(await readFile(file));
  return hash.digest('hex');
}

/**
 * Pre-trained teachers by key, reused across runs: pre-training is the largest single cost of an
 * experiment and does not depend on the downstream task.
 */
export async function cachedTeacher<T extends object>(
  cacheDir: string,
  key: string,
  /** Trains the teacher, checkpointing in `trainingDir` so that a killed pre-training resumes there. */
  train: (trainingDir: string) => Promise<{ model: LayersModel; info: T }>,
): Promise<{ model: LayersModel; info: T; cached: boolean }> {
  const dir = join(cacheDir, 'teachers', key);
  const trainingDir = `${dir}.training`;
  const infoFile = join(dir, 'info.json');
  if (existsSync(infoFile)) {
    return {
      model: await loadModel(join(dir, 'model')),
      info: JSON.parse(await readFile(infoFile, 'utf8')) as T,
      cached: true,
    };
  }
  const { model, info } = await train(trainingDir);
  await saveModel(model, join(dir, 'model'));
  await writeFileAtomic(infoFile, JSON.stringify(info));
  await rm(trainingDir, { recursive: true, force: true });
  return { model, info, cached: false };
}
