import { tf, type LayersModel, type Scalar, type Tensor } from '../../../engine/tf.js';
import { ModelGraph } from '../../../models/cut.js';
import { distance, taskLoss } from '../../losses.js';
import { withKdTerm, type TalkingConfig } from './config.js';
import type { Distiller, MethodContext, Phase } from '../../method.js';
import { stopGradient, trainableVariables, variablesOf } from '../../variables.js';
import { buildDecoder, buildEncoder } from './channel.js';
import type { Batch } from '../../../data/dataset.js';
import { kdTerms } from '../kd.js';
import { downstreamTeacher, type Predictor } from '../teacher_head.js';

/** One aligned pair of communication layers: a_k of the student, b_k of the teacher. */
export interface LayerPair {
  student: string;
  teacher: string;
}

/**
 * The default pairs of method.md: N = 1 round from the lower cuts to the penultimate
 * representations, or to the outputs (an answer at the level of predictions).
 */
export function defaultPairs(
  student: ModelGraph,
  teacher: ModelGraph,
  answerAt: 'penultimate' | 'output' = 'penultimate',
): LayerPair[] {
  const answer = (graph: ModelGraph) => (answerAt === 'output' ? graph.outputName : graph.penultimate());
  return [
    { student: student.lowerCut(), teacher: teacher.lowerCut() },
    { student: answer(student), teacher: answer(teacher) },
  ];
}

function checkPairs(pairs: LayerPair[], student: ModelGraph, teacher: ModelGraph): void {
  // b_1 may be the teacher's only input, when it is a float tensor (not ids for an embedding): the
  // student then tells the teacher the input itself, and the teacher thinks with all its layers.
  const input = teacher.inputNames.length === 1 && teacher.model.inputs[0].dtype === 'float32';
  for (let k = 0; k + 1 < pairs.length; k++) {
    const [a, b] = [pairs[k], pairs[k + 1]];
    const fromInput = k === 0 && input && a.teacher === teacher.inputNames[0];
    if (!fromInput && !teacher.separators(b.teacher).includes(a.teacher)) {
      const candidates = [...(k === 0 && input ? teacher.inputNames : []), ...teacher.separators(b.teacher)];
      throw new Error(
        `talking: the teacher cannot think from "${a.teacher}" to "${b.teacher}": the layers must be in order and ` +
          `"${a.teacher}" must separate the graph (candidates: ${candidates.join(', ')})`,
      );
    }
    if (a.student === b.student) {
      throw new Error(
        `talking: the student is too shallow: its communication layers a_${k + 1} and a_${k + 2} are both ` +
          `"${a.student}". Talking needs a student layer before "${b.student}" (give the student another hidden ` +
          "layer, or name other layers in the config's `layers`)",
      );
    }
    if (!student.ancestors(b.student).has(a.student)) {
      throw new Error(`talking: student layer "${a.student}" must come before "${b.student}"`);
    }
  }
  const last = pairs[pairs.length - 1].student;
  // The last layer may be the output itself: the answer is then read as the prediction.
  if (last !== student.outputName && !student.separators(student.outputName).includes(last)) {
    const candidates = [...student.separators(student.outputName), student.outputName];
    throw new Error(
      `talking: the student's output must be computable from its last communication layer "${last}" alone ` +
        `(a layer that separates its graph: ${candidates.join(', ')})`,
    );
  }
}

/**
 * The talking distiller of method.md. Per round k: the student speaks, q = E_S(h_S^{a_k}); the
 * teacher reads, r = D_T(q) (or with its own state, `reading`); thinks with its own layers,
 * u = T_{b_k -> b_{k+1}}(r); answers, p = E_T(u); the student reads the answer, s = D_S(p).
 * Losses: L_task, L_interact, L_MC, L_SC and, with `weights.kd`, kd's term from `kdTeacher`
 * (the teacher's downstream predictions); each term named and already weighted.
 */
export function createTalking(config: TalkingConfig, ctx: MethodContext, kdTeacher?: Predictor): Distiller {
  const { student, task } = ctx;
  if (!ctx.teacher) throw new Error('talking needs a teacher model');
  if (config.weights.kd > 0 && !kdTeacher)
    throw new Error("talking: weights.kd needs the teacher's predictions");
  const teacher = ctx.teacher;
  const sGraph = new ModelGraph(student);
  const tGraph = new ModelGraph(teacher);
  if (config.layers && config.answerAt) {
    throw new Error('talking: answerAt places the default layer pairs; with `layers` given, leave it out');
  }
  const pairs = config.layers ?? defaultPairs(sGraph, tGraph, config.answerAt);
  checkPairs(pairs, sGraph, tGraph);
  if (config.translator && config.teacher.mode === 'finetune') {
    throw new Error(
      "talking: translator stops L_interact's gradients before the teacher, so a fine-tuned teacher (teacher.mode finetune) would not learn",
    );
  }
  if (config.handshakeEpochs > 0 && config.weights.mc === 0 && config.weights.sc === 0) {
    throw new Error(
      'talking: a handshake trains on L_MC + L_SC, but both weights (weights.mc, weights.sc) are 0',
    );
  }
  const rounds = pairs.length - 1;
  const random = ctx.random.derive('talking-channel');
  const channel = { messageSize: config.messageSize, ...config.channel };
  const encoder = (graph: ModelGraph, layer: string, side: string) =>
    buildEncoder(graph.stateShape(layer), channel, random.seedInt(), `encoder_${side}_${layer}`);
  const decoder = (graph: ModelGraph, layer: string, side: string, reads = {}) =>
    buildDecoder(graph.stateShape(layer), channel, random.seedInt(), `decoder_${side}_${layer}`, reads);
  // Only the encoders/decoders the losses use: E_S at a_1..a_N, D_S at a_1..a_{N+1},
  // E_T at b_1..b_{N+1}, D_T at b_1..b_N.
  const encS = pairs.slice(0, rounds).map((p) => encoder(sGraph, p.student, 'student'));
  const decS = pairs.map((p) => decoder(sGraph, p.student, 'student'));
  const encT = pairs.map((p) => encoder(tGraph, p.teacher, 'teacher'));
  // concat reads the student's message beside the teacher's own; residual starts as no correction.
  const teacherReads = {
    inputSize: config.reading === 'concat' ? 2 * config.messageSize : config.messageSize,
    zeroInit: config.reading === 'residual',
  };
  const decT = pairs.slice(0, rounds).map((p) => decoder(tGraph, p.teacher, 'teacher', teacherReads));
  const channelModels = [...encS, ...decS, ...encT, ...decT];
  const { interact: w1, mc: w2, sc: w3 } = config.weights;
  const finetune = config.teacher.mode === 'finetune';
  const dist = (a: Tensor, b: Tensor) => distance(config.distance, a, b);
  const apply = (model: LayersModel, x: Tensor) => model.apply(x, { training: true }) as Tensor;
  const feeds = (graph: ModelGraph, batch: Batch) =>
    Object.fromEntries(graph.inputNames.map((name, i) => [name, batch.inputs[i]]));
  /** r_k: round k's teacher reads `message`, knowing its own state `own` and own message `says`. */
  const read = (k: number, message: Tensor, own: Tensor, says: Tensor): Tensor => {
    if (config.reading === 'residual') return own.add(apply(decT[k], message));
    if (config.reading === 'concat') return apply(decT[k], tf.concat([message, says], -1));
    return apply(decT[k], message);
  };

  /**
   * Every loss term; `channelOnly` leaves out the terms of the main phase alone (handshake). A
   * translator's handshake also lets D_S learn to read the answer (the task term of L_interact,
   * which then reaches no other model), so that the student is not first pulled towards an answer
   * read by an untrained decoder.
   */
  function losses(batch: Batch, channelOnly: boolean): Record<string, Scalar> {
    const terms: Record<string, Scalar> = {};
    const answering = !channelOnly || config.translator;
    // Only the states the terms use: the handshake needs neither the output nor a_{N+1}, and no
    // term reads the teacher's own state at b_{N+1} (its layers up to there would run for nothing).
    const speaking = pairs.slice(0, rounds);
    const hS = sGraph.run(
      feeds(sGraph, batch),
      channelOnly ? speaking.map((p) => p.student) : [...pairs.map((p) => p.student), sGraph.outputName],
      true,
    );
    // The teacher runs in inference mode (batch norm uses its moving statistics) even when
    // fine-tuned: its statistics describe the broad data it was trained on.
    const hT = tGraph.run(
      feeds(tGraph, batch),
      speaking.map((p) => p.teacher),
      false,
    );
    if (!channelOnly) {
      const prediction = hS[sGraph.outputName];
      if (kdTeacher && config.weights.kd > 0) {
        const { temperature, weights } = config;
        Object.assign(terms, kdTerms(prediction, kdTeacher, batch, task, { temperature, alpha: weights.kd }));
      } else {
        terms.task = taskLoss(task, prediction, batch.target);
      }
    }
    let lastAnswer: Tensor | undefined;
    for (let k = 0; k < rounds; k++) {
      const [a, b] = [pairs[k], pairs[k + 1]];
      const own = hT[a.teacher];
      const q = apply(encS[k], hS[a.student]);
      const teacherSays = apply(encT[k], own);
      const r = read(k, q, own, teacherSays);
      if (w2 > 0) terms[`mc_${k + 1}`] = dist(q, teacherSays).mul(w2);
      if (w3 > 0) {
        const reading = config.scTeacher === 'own' ? read(k, teacherSays, own, teacherSays) : r;
        terms[`sc_teacher_${k + 1}`] = dist(reading, own).mul(w3);
        terms[`sc_student_${k + 1}`] = dist(apply(decS[k], teacherSays), hS[a.student]).mul(w3);
      }
      if (!answering) continue;
      const u = tGraph.run({ [a.teacher]: r }, [b.teacher], false)[b.teacher];
      const p = apply(encT[k + 1], u);
      const s = apply(decS[k + 1], config.translator ? stopGradient(p) : p);
      if (!channelOnly && w1 > 0) {
        terms[`interact_state_${k + 1}`] = dist(
          hS[b.student],
          config.answerGradients ? s : stopGradient(s),
        ).mul(w1);
      }
      lastAnswer = s;
    }
    if (config.interactTask && w1 > 0 && lastAnswer) {
      const last = pairs[rounds].student;
      const read =
        last === sGraph.outputName
          ? lastAnswer
          : sGraph.runKeepingStatistics({ [last]: lastAnswer }, [sGraph.outputName])[sGraph.outputName];
      terms.interact_task = taskLoss(task, read, batch.target).mul(w1);
    }
    return terms;
  }

  const channelVariables = trainableVariables(...channelModels);
  // With a translator no loss reaches the last answer encoder E_T^{b_{N+1}}: it stays the fixed
  // map it was drawn as (left out, so weight decay cannot shrink it) and D_S learns to read it.
  const answerEncoder = new Set(config.translator ? trainableVariables(encT[rounds]) : []);
  const main: Phase = {
    name: 'main',
    groups: [
      {
        variables: [...trainableVariables(student), ...channelVariables.filter((v) => !answerEncoder.has(v))],
        lrMultiplier: 1,
      },
      ...(finetune
        ? [
            {
              variables: variablesOf(tGraph.weightsBetween(pairs[0].teacher, pairs[rounds].teacher)),
              lrMultiplier: config.teacher.lrMultiplier,
            },
          ]
        : []),
    ],
    losses: (batch) => losses(batch, false),
  };
  const handshake: Phase = {
    name: 'handshake',
    epochs: config.handshakeEpochs,
    groups: [{ variables: channelVariables.filter((v) => !answerEncoder.has(v)), lrMultiplier: 1 }],
    losses: (batch) => losses(batch, true),
  };
  const parts: Record<string, LayersModel> = { student };
  for (const model of channelModels) parts[model.name] = model;
  if (finetune) parts.teacher = teacher;
  return {
    phases: config.handshakeEpochs > 0 ? [handshake, main] : [main],
    parts,
    dispose: () => channelModels.forEach((m) => m.dispose()),
  };
}

/** `talking` and `talking+kd` as registered: with the kd term, the teacher's downstream predictions as in kd. */
export async function setUpTalking(config: TalkingConfig, ctx: MethodContext): Promise<Distiller> {
  const kd = withKdTerm(config) ? await downstreamTeacher(ctx, config.teacherHead) : undefined;
  return createTalking(config, ctx, kd?.predict);
}
