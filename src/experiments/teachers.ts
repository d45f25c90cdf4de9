import { createHash } from 'node:crypto';
import type { LayersModel } from '../engine/tf.js';
import { cloneModel } from '../models/clone.js';
import { distill } from '../distill/distill.js';
import { fileStorage } from '../storage/files.js';
import type { TeacherSpec } from './experiment.js';
import type { ExperimentProgress } from './progress.js';
import { cachedTeacher, teacherKey } from './teacher_cache.js';

/** SHA-256 over a model's weights, to show that nothing changed them. */
export function weightsHash(model: LayersModel): string {
  const hash = createHash('sha256');
  for (const weight of model.getWeights()) {
    const values = weight.dataSync();
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/**
 * The pre-trained teachers of a run, by spec id: each is trained once (or loaded from the cache)
 * and stays untouched; every cell trains with a copy of its own, so a method that fine-tunes the
 * teacher can change neither later cells nor the reported teacher metric.
 */
export class Teachers {
  private readonly held = new Map<string, { model: LayersModel; hash: string }>();

  constructor(
    private readonly cacheDir: string,
    private readonly progress: ExperimentProgress,
  ) {}

  /** The pristine teacher of `spec`, trained or loaded on first use; never to be trained. */
  async get(spec: TeacherSpec): Promise<LayersModel> {
    const held = this.held.get(spec.id);
    if (held) return held.model;
    const key = teacherKey(spec.setup, await spec.fingerprint());
    const teacher = await cachedTeacher(this.cacheDir, key, async (trainingDir) => {
      this.progress.message(`pre-training the teacher ${spec.describe}`);
      const model = spec.build();
      const result = await distill({
        student: model,
        label: 'teacher',
        method: { name: 'student' },
        task: spec.task,
        data: spec.data,
        training: spec.training,
        augment: spec.augment,
        preprocess: spec.preprocess,
        events: this.progress.training,
        // E2's teacher trains for over half an hour: a killed run continues it, as it does a cell.
        storage: fileStorage(trainingDir),
        resume: true,
      });
      return { model, info: { epochs: result.epochs, validation: result.validation?.value ?? NaN } };
    });
    if (teacher.cached) this.progress.message(`reusing the pre-trained teacher ${key} from the cache`);
    this.held.set(spec.id, { model: teacher.model, hash: weightsHash(teacher.model) });
    return teacher.model;
  }

  /** The teacher of `spec`, already loaded by `get`. */
  loaded(spec: TeacherSpec): LayersModel {
    const held = this.held.get(spec.id);
    if (!held) throw new Error(`the teacher "${spec.id}" is not loaded`);
    return held.model;
  }

  /**
   * Runs `use` with a fresh copy of the teacher of `spec`, and checks afterwards that the kept
   * teacher's weights hash as they did when it was loaded.
   */
  async lend<T>(spec: TeacherSpec, use: (teacher: LayersModel) => Promise<T>): Promise<T> {
    const original = await this.get(spec);
    const copy = await cloneModel(original);
    const result = await use(copy).finally(() => copy.dispose());
    if (weightsHash(original) !== this.held.get(spec.id)!.hash) {
      throw new Error(
        `the teacher "${spec.id}" changed during a cell; every cell must get the pristine teacher`,
      );
    }
    return result;
  }

  dispose(): void {
    for (const { model } of this.held.values()) model.dispose();
    this.held.clear();
  }
}
