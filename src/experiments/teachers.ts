import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { LayersModel } from '../engine/tf.js';
import { cloneModel } from '../models/clone.js';
import { distill } from '../distill/distill.js';
import { fileStorage } from '../storage/files.js';
import type { TeacherSpec } from './experiment.js';
import type { ExperimentProgress } from './progress.js';
import { cachedTeacher, teacherKey } from './teacher_cache.js';
import { evaluate } from '../distill/evaluate.js';
import { parseTrainingConfig } from '../distill/training-config.js';

/** SHA-256 over a model's weights, to show that nothing changed them. */
export function weightsHash(model: LayersModel): string {
  const hash = createHash('sha256');
  for (const weight of model.getWeights()) {
    const values = weight.dataSync();
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/** A pre-training: its epochs and its best epoch's validation metric. */
interface Pretraining {
  epochs: number;
  validation: number;
}

/**
 * A pre-trained teacher as the cache describes it; of a teacher of members, `epochs` is their sum,
 * `validation` the assembled teacher's, and `members` each member's with its training seed.
 */
export interface TeacherInfo extends Pretraining {
  members?: (Pretraining & { seed: number })[];
}

/**
 * The pre-trained teachers of a run, by spec id: each is trained once (or loaded from the cache)
 * and stays untouched; every cell trains with a copy of its own, so a method that fine-tunes the
 * teacher can change neither later cells nor the reported teacher metric.
 */
export class Teachers {
  private readonly held = new Map<string, { model: LayersModel; hash: string; info: TeacherInfo }>();

  constructor(
    private readonly cacheDir: string,
    private readonly progress: ExperimentProgress,
  ) {}

  /** The pristine teacher of `spec`, trained or loaded on first use; never to be trained. */
  async get(spec: TeacherSpec): Promise<LayersModel> {
    const held = this.held.get(spec.id);
    if (held) return held.model;
    const key = teacherKey(spec.setup, await spec.fingerprint());
    const teacher = await cachedTeacher<TeacherInfo>(this.cacheDir, key, async (trainingDir) => {
      const count = spec.members?.count ?? 1;
      const fits = [];
      for (let member = 0; member < count; member++)
        fits.push(await this.pretrain(spec, trainingDir, member));
      if (!spec.members) return { model: fits[0].model, info: fits[0].info };
      const model = spec.members.assemble(fits.map((f) => f.model));
      for (const fit of fits) fit.model.dispose();
      const validation = evaluate(model, spec.data.validation, spec.task, {
        clip: spec.training.clip,
        transform: spec.preprocess,
      }).value;
      const members = fits.map((f) => ({ seed: f.seed, ...f.info }));
      const epochs = members.reduce((sum, m) => sum + m.epochs, 0);
      return { model, info: { epochs, validation, members } };
    });
    if (teacher.cached) this.progress.message(`reusing the pre-trained teacher ${key} from the cache`);
    this.held.set(spec.id, {
      model: teacher.model,
      hash: weightsHash(teacher.model),
      info: teacher.info,
    });
    return teacher.model;
  }

  /** Trains one teacher, or member `member` of a teacher of `spec.members`, with its training seed. */
  private async pretrain(
    spec: TeacherSpec,
    trainingDir: string,
    member: number,
  ): Promise<{ model: LayersModel; info: Pretraining; seed: number }> {
    const seed = parseTrainingConfig(spec.training).seed + member;
    const count = spec.members?.count;
    const which = count ? `, member ${member + 1} of ${count} (training seed ${seed}),` : '';
    this.progress.message(`pre-training the teacher${which} ${spec.describe}`);
    const model = spec.build(member);
    const result = await distill({
      student: model,
      // The label seeds the batch order: every member trains as a teacher of its seed alone would.
      label: 'teacher',
      method: { name: 'student' },
      task: spec.task,
      data: spec.data,
      training: { ...spec.training, seed },
      augment: spec.augment,
      preprocess: spec.preprocess,
      events: this.progress.training,
      // E2's teacher trains for over half an hour: a killed run continues it, as it does a cell.
      storage: count ? fileStorage(join(trainingDir, `member-${member + 1}`)) : fileStorage(trainingDir),
      resume: true,
    });
    return { model, info: { epochs: result.epochs, validation: result.validation?.value ?? NaN }, seed };
  }

  /**
   * What the teachers of the run are (for results.json): their member count, and each one's
   * pre-training by id (epochs, best validation metric, and each member's when there are members),
   * as the cache holds it.
   */
  pretraining(): { members: number; pretraining: Record<string, TeacherInfo> } {
    const held = [...this.held.values()];
    return {
      members: Math.max(1, ...held.map((h) => h.info.members?.length ?? 1)),
      pretraining: Object.fromEntries([...this.held].map(([id, h]) => [id, h.info])),
    };
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
