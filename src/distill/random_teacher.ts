import { tf, type LayersModel } from '../engine/tf.js';
import type { Random } from '../engine/random.js';

/** Initialisers with no randomness, which need no seed (and take none). */
const FIXED = new Set(['Zeros', 'Ones', 'Constant', 'Identity']);

type Json = unknown;

/** Gives every random initialiser in a serialised model a seed from `random`, in layer order. */
function reseed(node: Json, random: Random): void {
  if (Array.isArray(node)) return node.forEach((child) => reseed(child, random));
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node as Record<string, Json>)) {
    const init = value as { class_name?: string; config?: Record<string, unknown> } | null;
    if (key.endsWith('_initializer') && init?.class_name && !FIXED.has(init.class_name)) {
      init.config = { ...init.config, seed: random.seedInt() };
    } else {
      reseed(value, random);
    }
  }
}

/**
 * The control of method.md: the teacher's architecture with untrained weights, drawn from
 * `random` (the run's seed). A clone built from the teacher's serialised topology with its
 * initialisers reseeded: the pre-trained teacher is not touched. The caller disposes it.
 */
export async function randomTeacher(teacher: LayersModel, random: Random): Promise<LayersModel> {
  const topology = teacher.toJSON(null, false);
  reseed(topology, random);
  return tf.models.modelFromJSON({ modelTopology: topology });
}
