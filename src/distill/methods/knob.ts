import { z } from 'zod';

/**
 * A method's main knob for validation tuning (experiments.md, protocol revision 2): at most four
 * candidates, each a patch of the method's config and of the training settings. Each method
 * declares its own in its file, so that a new method brings its knob with it.
 */

/** A candidate: a patch merged into the method's config, and into the training settings. */
export const candidateSchema = z.strictObject({
  method: z.record(z.string(), z.unknown()).default({}),
  training: z.record(z.string(), z.unknown()).default({}),
});
export type Candidate = z.output<typeof candidateSchema>;

/**
 * Another method's choice a method starts from: settings of that method's chosen candidate, each
 * put at a dotted path of this method's config. talking+kd runs kd's term as kd chose it
 * (`{ method: 'kd', settings: { alpha: 'weights.kd' } }`), so that it answers whether talking adds
 * to the best kd, not to kd at a weight kd's own tuning rejected.
 */
export const followsSchema = z.strictObject({
  method: z.string().min(1),
  settings: z.record(z.string(), z.string().min(1)),
});
export type Follows = z.output<typeof followsSchema>;

export const knobSchema = z.strictObject({
  /** What the candidates vary, for the report (e.g. "alpha"). */
  knob: z.string().min(1),
  /** Its candidates run with this method's choice, after that method's candidates. */
  follows: followsSchema.optional(),
  /** Label -> patch; at most four, so that no method gets a larger search than another. */
  candidates: z
    .record(z.string(), candidateSchema)
    .refine((c) => Object.keys(c).length >= 1 && Object.keys(c).length <= 4, 'between 1 and 4 candidates'),
});
export type Knob = z.output<typeof knobSchema>;

/** A knob over one setting of the method's config: each value a candidate labelled by `label`. */
export function settingKnob<T>(
  knob: string,
  values: readonly T[],
  patch: (value: T) => Record<string, unknown>,
  label: (value: T) => string = String,
): Knob {
  return {
    knob,
    candidates: Object.fromEntries(values.map((v) => [label(v), { method: patch(v), training: {} }])),
  };
}
