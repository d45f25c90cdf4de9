import { z } from 'zod';
import { fields } from '../../../util/schema.js';
import { layerName, teacherHead, teacherInit } from '../common_options.js';
import { settingKnob, type Knob } from '../knob.js';

/** talking's settings under the name `name`, with the kd term's weight `kd` by default. */
const talkingFields = <Name extends string>(name: Name, kd: number) =>
  fields({
    name: z.literal(name),
    /** m, the size of the shared message space. */
    messageSize: z.number().int().positive().default(32),
    /** Encoders and decoders: `depth` dense layers, ReLU between, hidden width max(dim, m) (at most 1024) unless `width` is set. */
    channel: fields({
      depth: z.number().int().min(1).default(2),
      width: z.number().int().positive().optional(),
      /** How an encoder reads a feature map: global average pooling or flattening. */
      pooling: z.enum(['average', 'flatten']).default('average'),
      /** Side of the grid a feature-map decoder produces before upsampling to the map's size. */
      decoderGrid: z.number().int().positive().default(4),
    }).prefault({}),
    /**
     * The communication layer pairs (a_1, b_1) .. (a_{N+1}, b_{N+1}), N = rounds; default: the lower
     * cut and the penultimate representation of each model.
     */
    layers: z
      .array(fields({ student: layerName, teacher: layerName }))
      .min(2)
      .optional(),
    /**
     * Where the default pairs put the answer (a_2, b_2): the penultimate representations, or the
     * models' outputs (an answer at the level of predictions). Only without `layers`.
     */
    answerAt: z.enum(['penultimate', 'output']).optional(),
    /**
     * How the teacher reads a message (method.md, Revision 2): `none` r = D_T(q); `residual`
     * r = h_T(x) + D_T(q), D_T starting at zero; `concat` r = D_T([q, E_T(h_T(x))]).
     */
    reading: z.enum(['none', 'residual', 'concat']).default('none'),
    /**
     * Which message L_SC's teacher term decodes into h_T(x): the student's (`student`, method.md:
     * dist(r_k, h_T)), or the teacher's own, E_T(h_T(x)) (`own`). With a reading that sees h_T(x),
     * `student` is minimised by ignoring q; `own` only asks that the teacher's own message leaves its
     * state as it is, and leaves the reading of the student's message to L_interact.
     */
    scTeacher: z.enum(['student', 'own']).default('student'),
    /**
     * L_interact's gradients stop at the teacher's side of the channel (the "translator"):
     * E_T and D_T learn only from L_MC and L_SC, the student's decoder D_S learns to read the answer.
     */
    translator: z.boolean().default(false),
    /** w1, w2, w3 of method.md, and the kd term's alpha (method.md, Controls and compositions). */
    weights: fields({
      interact: z.number().min(0).default(1),
      mc: z.number().min(0).default(0.1),
      sc: z.number().min(0).default(0.1),
      /** As in `kd`: the kd term gets `kd`, L_task 1 - `kd`; 0 leaves the kd term out. */
      kd: z.number().min(0).max(1).default(kd),
    }).prefault({}),
    /** The kd term's temperature (classes) and the teacher's downstream head, as in `kd`. */
    temperature: z.number().positive().default(4),
    teacherHead,
    distance: z.enum(['mse', 'cosine', 'smoothL1']).default('mse'),
    /** Epochs training only encoders/decoders on L_MC + L_SC before the main phase. */
    handshakeEpochs: z.number().int().min(0).default(0),
    teacher: fields({
      mode: z.enum(['frozen', 'finetune']).default('frozen'),
      /** Learning rate of the fine-tuned teacher layers relative to the student's. */
      lrMultiplier: z.number().positive().default(0.1),
      init: teacherInit,
    }).prefault({}),
    /** Whether the first L_interact term's gradients flow into the answer s_k (else only into the student). */
    answerGradients: z.boolean().default(true),
    /** The task term of L_interact: the answer, read by the student's upper layers, must solve the task. */
    interactTask: z.boolean().default(true),
  });

export const talkingSchema = talkingFields('talking', 0);
/** Talking on top of plain distillation: the kd term at kd's default alpha (in experiments, at kd's chosen one). */
export const talkingKdSchema = talkingFields('talking+kd', 0.5);

export type TalkingConfig = z.output<typeof talkingSchema> | z.output<typeof talkingKdSchema>;

/**
 * talking's and talking+kd's tuning knob is the reading (experiments.md allows "the weight w1 or
 * the reading"): method.md's first design, and the three readings at the setting where the
 * validation probe of docs/method-choices.md found the message worth most (the answer at the
 * models' outputs, the teacher's side a translator trained by L_MC and L_SC only, after a 2-epoch
 * handshake). Under `residual` that setting can leave D_T at zero, so that the teacher answers
 * from its own state: the report's reader must know which candidate won.
 */
export const readingKnob: Knob = {
  knob: 'reading (and where the answer is)',
  candidates: {
    'none@penultimate': { method: {}, training: {} },
    ...settingKnob(
      '',
      ['none', 'residual', 'concat'] as const,
      (reading) => ({ reading, answerAt: 'output', translator: true, handshakeEpochs: 2 }),
      (reading) => `${reading}@output+translator`,
    ).candidates,
  },
};

/** Whether talking adds kd's term, and with it needs the teacher's downstream predictions. */
export const withKdTerm = (config: TalkingConfig) => config.weights.kd > 0;
