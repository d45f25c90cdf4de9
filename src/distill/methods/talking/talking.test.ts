import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type LayersModel, type Tensor } from '../../../engine/tf.js';
import { initBackend } from '../../../engine/backend.js';
import { Random } from '../../../engine/random.js';
import { ModelGraph } from '../../../models/cut.js';
import type { TalkingConfig } from './config.js';
import { parseMethodConfig } from '../registry.js';
import { distance, taskLoss } from '../../losses.js';
import type { MethodContext } from '../../method.js';
import { trainLoop } from '../../train.js';
import { parseTrainingConfig } from '../../training-config.js';
import { syntheticRegression } from '../../../../test/support/synthetic.js';
import { batches } from '../../../data/dataset.js';
import { createTalking } from './talking.js';
import { trainableVariables } from '../../variables.js';
import { diagonal as diag, identity2 as I, linearModel as linear } from '../../../../test/support/linear.js';
import { denseModel as mlp, tinyResNet } from '../../../../test/support/models.js';

before(() => initBackend('cpu'));

const data = syntheticRegression({ seed: 3, downstream: 64 });

function context(teacher: LayersModel, student: LayersModel): MethodContext {
  return {
    teacher,
    student,
    task: 'regression',
    train: data.downstream.train,
    random: new Random(1),
    seedRandom: new Random(2),
    fit: async () => assert.fail('talking needs no preliminary fit'),
    fitShared: async () => assert.fail('talking needs no preliminary fit'),
  };
}

const talking = (input: object) => parseMethodConfig({ name: 'talking', ...input }) as TalkingConfig;
const value = (t: Tensor) => t.dataSync()[0];
/** Communication layer pairs (a_k, b_k) from [student layer, teacher layer]. */
const pairsOf = (...names: [string, string][]) => names.map(([student, teacher]) => ({ student, teacher }));

test('every loss term is the formula of method.md on the right states (N = 2 rounds)', () => {
  const teacher = mlp([12, 10, 8], 1, 't');
  const student = mlp([5, 4, 3], 2, 's');
  const pairs = pairsOf(['s_h1', 't_h1'], ['s_h2', 't_h2'], ['s_h3', 't_h3']);
  const config = talking({ layers: pairs, weights: { interact: 0.7, mc: 0.3, sc: 0.2 } });
  const distiller = createTalking(config, context(teacher, student));
  const [batch] = batches(data.downstream.train, 8);
  const terms = distiller.phases[0].losses(batch, { epoch: 0 });
  assert.deepEqual(Object.keys(terms).sort(), [
    'interact_state_1',
    'interact_state_2',
    'interact_task',
    'mc_1',
    'mc_2',
    'sc_student_1',
    'sc_student_2',
    'sc_teacher_1',
    'sc_teacher_2',
    'task',
  ]);
  const part = (name: string) => (x: Tensor) => distiller.parts[name].apply(x) as Tensor;
  const sg = new ModelGraph(student);
  const tg = new ModelGraph(teacher);
  const hS = sg.run({ s_x: batch.inputs[0] }, ['s_h1', 's_h2', 's_h3', 's_out'], true);
  const hT = tg.run({ t_x: batch.inputs[0] }, ['t_h1', 't_h2', 't_h3'], false);
  const close = (name: string, expected: Tensor) =>
    assert.ok(
      Math.abs(value(terms[name]) - value(expected)) < 1e-5,
      `${name}: ${value(terms[name])} vs ${value(expected)}`,
    );
  close('task', taskLoss('regression', hS.s_out, batch.target));
  let answer: Tensor | undefined;
  for (let k = 0; k < 2; k++) {
    const [a, b, a2, b2] = [pairs[k].student, pairs[k].teacher, pairs[k + 1].student, pairs[k + 1].teacher];
    const q = part(`encoder_student_${a}`)(hS[a]);
    const r = part(`decoder_teacher_${b}`)(q);
    const u = tg.run({ [b]: r }, [b2], false)[b2];
    const s = part(`decoder_student_${a2}`)(part(`encoder_teacher_${b2}`)(u));
    const teacherSays = part(`encoder_teacher_${b}`)(hT[b]);
    close(`mc_${k + 1}`, distance('mse', q, teacherSays).mul(0.3));
    close(`sc_teacher_${k + 1}`, distance('mse', r, hT[b]).mul(0.2));
    close(`sc_student_${k + 1}`, distance('mse', part(`decoder_student_${a}`)(teacherSays), hS[a]).mul(0.2));
    close(`interact_state_${k + 1}`, distance('mse', hS[a2], s).mul(0.7));
    answer = s;
  }
  close(
    'interact_task',
    taskLoss('regression', sg.run({ s_h3: answer! }, ['s_out'], true).s_out, batch.target).mul(0.7),
  );
});

test('every loss term equals its value worked out by hand (N = 1, one-layer linear channel)', () => {
  // Student: h1 = x, h2 = 2 h1, out = sum(h2). Teacher: h1 = x + (0, 1), h2 = swap(h1).
  const student = linear('s', [
    [I, [0, 0]],
    [diag(2, 2), [0, 0]],
    [[[1], [1]], [0]],
  ]);
  const teacher = linear('t', [
    [I, [0, 1]],
    [
      [
        [0, 1],
        [1, 0],
      ],
      [0, 0],
    ],
    [[[1], [1]], [0]],
  ]);
  const ctx = context(teacher, student);
  const make = (extra: object) =>
    createTalking(
      talking({
        messageSize: 2,
        channel: { depth: 1 },
        layers: pairsOf(['s_h1', 't_h1'], ['s_h2', 't_h2']),
        handshakeEpochs: 1,
        ...extra,
      }),
      ctx,
    );
  const distiller = make({});
  // Each encoder/decoder is one linear dense layer (depth 1, m = 2): y = x K + c.
  const set = (name: string, kernel: number[][], bias = [0, 0]) =>
    distiller.parts[name].setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  set('encoder_student_s_h1', diag(2, 1));
  set('decoder_teacher_t_h1', I, [0, 1]);
  set('encoder_teacher_t_h2', diag(0.5, 0.5));
  set('decoder_student_s_h2', diag(2, 2));
  set('encoder_teacher_t_h1', I);
  set('decoder_student_s_h1', diag(1, -1));
  const batch = { inputs: [tf.tensor2d([[1, 2]])], target: tf.tensor2d([[1]]), size: 1 };
  // x = (1, 2), y = 1.  h_S^a1 = (1, 2), h_S^a2 = (2, 4), S(x) = 6;  h_T^b1 = (1, 3).
  // q = E_S(1, 2) = (2, 2);  r = D_T(q) = (2, 3);  u = swap(r) = (3, 2);  p = E_T(u) = (1.5, 1);
  // s = D_S(p) = (3, 2);  E_T^b1(h_T^b1) = (1, 3);  D_S^a1(1, 3) = (1, -3).
  const expected = {
    task: 25, //                        (6 - 1)^2
    interact_state_1: 2.5, //           w1 * mse((2, 4), (3, 2)) = ((2-3)^2 + (4-2)^2) / 2
    interact_task: 16, //               w1 * (S_{a2->out}(s) - y)^2 = (3 + 2 - 1)^2
    mc_1: 0.1, //                       w2 * mse(q, (1, 3)) = 0.1 * (1 + 1) / 2
    sc_teacher_1: 0.05, //              w3 * mse(r, h_T^b1) = 0.1 * ((2-1)^2 + 0) / 2
    sc_student_1: 1.25, //              w3 * mse((1, -3), h_S^a1) = 0.1 * (0 + 5^2) / 2
  };
  const [handshake, main] = distiller.phases;
  const values = (terms: Record<string, tf.Scalar>) =>
    Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, Number(value(v).toFixed(5))]));
  assert.deepEqual(values(main.losses(batch, { epoch: 0 })), expected);
  const { mc_1, sc_teacher_1, sc_student_1 } = expected;
  assert.deepEqual(values(handshake.losses(batch, { epoch: 0 })), { mc_1, sc_teacher_1, sc_student_1 });

  // The distance option reaches every term: cosine of (2, 4) and (3, 2) is 14 / sqrt(20 * 13).
  const cosine = make({ distance: 'cosine', handshakeEpochs: 0 });
  for (const [name, model] of Object.entries(distiller.parts))
    if (name !== 'student') cosine.parts[name].setWeights(model.getWeights());
  const cosineTerms = cosine.phases[0].losses(batch, { epoch: 0 });
  assert.ok(Math.abs(value(cosineTerms.interact_state_1) - (1 - 14 / Math.sqrt(260))) < 1e-5);
});

test('weights of 0 and switches leave their terms out; a bad layer pair is named', () => {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const [batch] = batches(data.downstream.train, 8);
  const terms = createTalking(
    talking({ weights: { mc: 0, sc: 0 }, interactTask: false }),
    context(teacher, student),
  ).phases[0].losses(batch, { epoch: 0 });
  assert.deepEqual(Object.keys(terms).sort(), ['interact_state_1', 'task']);
  const refused = (model: LayersModel, layers: [string, string][], error: RegExp) =>
    assert.throws(
      () => createTalking(talking({ layers: pairsOf(...layers) }), context(teacher, model)),
      error,
    );
  refused(
    student,
    [
      ['s_h1', 't_h2'],
      ['s_h2', 't_h1'],
    ],
    /the teacher cannot think from "t_h2" to "t_h1"/,
  );
  const residual = tinyResNet([2], 1, 1, { side: 4, channels: 2 });
  refused(
    residual,
    [
      ['stem_relu', 't_h1'],
      ['stage1_block1_conv2', 't_h2'],
    ],
    /last communication layer "stage1_block1_conv2" alone \(a layer that separates its graph: stem_conv, stem_bn, stem_relu, stage1_block1_add, stage1_block1_out, pool, logits\)/,
  );
  assert.throws(
    () =>
      createTalking(talking({ handshakeEpochs: 2, weights: { mc: 0, sc: 0 } }), context(teacher, student)),
    /both weights/,
  );
});

test("the teacher's input can be b_1: the student tells it x, and it thinks with all its layers", () => {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const pairs = pairsOf(['s_h1', 't_x'], ['s_out', 't_out']);
  const distiller = createTalking(talking({ layers: pairs }), context(teacher, student));
  const [batch] = batches(data.downstream.train, 8);
  const terms = distiller.phases[0].losses(batch, { epoch: 0 });
  const part = (name: string) => (x: Tensor) => distiller.parts[name].apply(x) as Tensor;
  const x = batch.inputs[0];
  const hS1 = new ModelGraph(student).run({ s_x: x }, ['s_h1'], true).s_h1;
  const r = part('decoder_teacher_t_x')(part('encoder_student_s_h1')(hS1));
  assert.deepEqual(r.shape, [8, 6], 'the teacher reads the message as an input');
  const u = teacher.apply(r) as Tensor;
  const s = part('decoder_student_s_out')(part('encoder_teacher_t_out')(u));
  assert.ok(Math.abs(value(terms.sc_teacher_1) - value(distance('mse', r, x).mul(0.1))) < 1e-5);
  assert.ok(Math.abs(value(terms.interact_task) - value(taskLoss('regression', s, batch.target))) < 1e-5);
  // Only as the first layer: a later round cannot start at the input.
  assert.throws(
    () =>
      createTalking(
        talking({ layers: pairsOf(['s_h1', 't_h1'], ['s_h2', 't_x'], ['s_out', 't_out']) }),
        context(teacher, student),
      ),
    /cannot think from "t_h1" to "t_x"/,
  );
});

// The models on the path of s_1 = D_S^{a_2}(E_T^{b_2}(T(D_T^{b_1}(E_S^{a_1}(h_S^{a_1}))))).
const ANSWER_PATH = [
  'encoder_student_s_h1',
  'decoder_teacher_t_h1',
  'encoder_teacher_t_h2',
  'decoder_student_s_h2',
];

/** Squared gradient norms of the L_interact terms `names` on the student and on each model of the answer's path. */
function interactGradients(config: TalkingConfig, names: string[]) {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const [batch] = batches(data.downstream.train, 8);
  const distiller = createTalking(config, context(teacher, student));
  const { grads } = tf.variableGrads(
    () => {
      const terms = distiller.phases[0].losses(batch, { epoch: 0 });
      return tf.addN(names.map((name) => terms[name])) as tf.Scalar;
    },
    trainableVariables(student, ...ANSWER_PATH.map((name) => distiller.parts[name])),
  );
  const norm = (prefix: string) =>
    Object.entries(grads)
      .filter(([name]) => name.startsWith(prefix))
      .reduce((sum, [, g]) => sum + value(g.square().sum()), 0);
  return { student: norm('s_'), channel: ANSWER_PATH.map(norm), distiller };
}

test('answerGradients decides whether the first L_interact term trains the channel through s_k', () => {
  const gradientNorms = (answerGradients: boolean) =>
    interactGradients(talking({ answerGradients, interactTask: false, weights: { mc: 0, sc: 0 } }), [
      'interact_state_1',
    ]);
  const flowing = gradientNorms(true);
  assert.ok(flowing.student > 0);
  assert.ok(
    flowing.channel.every((n) => n > 0),
    `channel gradients ${flowing.channel}`,
  );
  const stopped = gradientNorms(false);
  assert.ok(stopped.student > 0, 'the student still learns from the answer');
  assert.deepEqual(stopped.channel, [0, 0, 0, 0]);
});

test('feature maps: the answer read through the student moves its batch-norm statistics no more than its own pass', () => {
  const net = (widths: number[], name: string, seed: number) =>
    tinyResNet(widths, 2, seed, { side: 4, channels: 2, name });
  const teacher = net([4, 6], 't', 1);
  const student = net([2, 3], 's', 2);
  // a_2 = the end of stage 1, a [4, 4, 2] map: the answer is decoded to a map and read by stage 2.
  const config = talking({
    layers: pairsOf(['stem_relu', 'stem_relu'], ['stage1_block1_out', 'stage1_block1_out']),
  });
  const distiller = createTalking(config, { ...context(teacher, student), task: 'classification' });
  const batch = {
    inputs: [tf.randomNormal([4, 4, 4, 2], 0, 1, 'float32', 6)],
    target: tf.tensor1d([0, 1, 1, 0], 'int32'),
    size: 4,
  };
  const start = student.getWeights().map((w) => w.clone());
  const tensors = tf.memory().numTensors;
  tf.tidy(() => {
    const terms = distiller.phases[0].losses(batch, { epoch: 0 });
    assert.equal(terms.interact_state_1.shape.length, 0);
  });
  assert.equal(tf.memory().numTensors, tensors, 'a step leaks tensors');
  const afterTalking = student.getWeights().map((w) => Array.from(w.dataSync()));
  student.setWeights(start);
  tf.tidy(() => student.apply(batch.inputs, { training: true }) as Tensor);
  assert.deepEqual(
    afterTalking,
    student.getWeights().map((w) => Array.from(w.dataSync())),
  );
});

async function trainBriefly(config: TalkingConfig, epochs = 3) {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const distiller = createTalking(config, context(teacher, student));
  const before = Object.fromEntries(
    Object.entries({ ...distiller.parts, teacher }).map(([name, m]) => [
      name,
      m.getWeights().map((w) => Array.from(w.dataSync())),
    ]),
  );
  const result = await trainLoop({
    distiller,
    model: student,
    task: 'regression',
    train: data.downstream.train,
    config: parseTrainingConfig({ epochs, batchSize: 16, optimizer: { learningRate: 0.01 }, patience: 0 }),
    label: 'student',
  });
  const changed = (name: string, model: LayersModel) =>
    model.getWeights().map((w, i) => !tf.util.arraysEqual(Array.from(w.dataSync()), before[name][i]));
  return { teacher, student, distiller, result, changed };
}

test('a frozen teacher stays bit-identical; the student and every encoder/decoder train', async () => {
  const { teacher, distiller, changed } = await trainBriefly(talking({ handshakeEpochs: 1 }));
  assert.ok(
    changed('teacher', teacher).every((c) => !c),
    'teacher weights changed',
  );
  for (const [name, model] of Object.entries(distiller.parts)) {
    assert.ok(
      changed(name, model).every((c) => c),
      `${name}: some weights did not train`,
    );
  }
});

test('fine-tuning changes exactly the teacher layers above the first communication layer', async () => {
  const { teacher, changed } = await trainBriefly(
    talking({ teacher: { mode: 'finetune', lrMultiplier: 0.5 } }),
  );
  // Teacher weights in order: h1 kernel, h1 bias, h2 kernel, h2 bias, out kernel, out bias.
  // b_1 = t_h1 (lower cut), b_2 = t_h2 (penultimate): only t_h2 is between them.
  assert.deepEqual(changed('teacher', teacher), [false, false, true, true, false, false]);
});

test('the channel is grounded: the teacher reading of the student message approaches its own state', async () => {
  const { result } = await trainBriefly(talking({ weights: { sc: 1 } }), 25);
  const sc = result.history.map((r) => r.losses.sc_teacher_1);
  assert.ok(
    sc[sc.length - 1] < 0.7 * sc[0],
    `dist(r, h_T) per epoch: ${sc.map((v) => v.toFixed(4)).join(', ')}`,
  );
});

test('a handshake at the default weights grounds the channel before the main phase', async () => {
  const { result } = await trainBriefly(talking({ handshakeEpochs: 20 }), 1);
  const sc = result.history.filter((r) => r.phase === 'handshake').map((r) => r.losses.sc_teacher_1);
  assert.equal(sc.length, 20);
  assert.ok(
    sc[sc.length - 1] < 0.5 * sc[0],
    `w3 * dist(r, h_T) per handshake epoch: ${sc.map((v) => v.toFixed(4)).join(', ')}`,
  );
});

/**
 * The hand-worked case of the test above, with the teacher's reading `reading` and D_T's weights
 * given: student h1 = x, h2 = 2 h1, out = sum(h2); teacher h1 = x + (0, 1), h2 = swap(h1),
 * out = sum(h2); x = (1, 2), y = 1.
 */
function handWorked(
  extra: object,
  decoderTeacher: [number[][], number[]],
  kdTeacher?: (x: Tensor[]) => Tensor,
) {
  const student = linear('s', [
    [I, [0, 0]],
    [diag(2, 2), [0, 0]],
    [[[1], [1]], [0]],
  ]);
  const swap = [
    [0, 1],
    [1, 0],
  ];
  const teacher = linear('t', [
    [I, [0, 1]],
    [swap, [0, 0]],
    [[[1], [1]], [0]],
  ]);
  const distiller = createTalking(
    talking({
      messageSize: 2,
      channel: { depth: 1 },
      layers: pairsOf(['s_h1', 't_h1'], ['s_h2', 't_h2']),
      ...extra,
    }),
    context(teacher, student),
    kdTeacher && ((inputs) => kdTeacher([teacher.apply(inputs[0]) as Tensor])),
  );
  const set = (name: string, kernel: number[][], bias = [0, 0]) =>
    distiller.parts[name].setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  set('encoder_student_s_h1', diag(2, 1));
  set('decoder_teacher_t_h1', ...decoderTeacher);
  set('encoder_teacher_t_h2', diag(0.5, 0.5));
  set('decoder_student_s_h2', diag(2, 2));
  set('encoder_teacher_t_h1', I);
  set('decoder_student_s_h1', diag(1, -1));
  const batch = { inputs: [tf.tensor2d([[1, 2]])], target: tf.tensor2d([[1]]), size: 1 };
  const terms = distiller.phases[0].losses(batch, { epoch: 0 });
  return Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, Number(value(v).toFixed(5))]));
}

// h_S^a1 = (1, 2), h_S^a2 = (2, 4), S(x) = 6; h_T^b1 = (1, 3); q = E_S(h_S^a1) = (2, 2);
// E_T^b1(h_T^b1) = (1, 3). Each reading below is given D_T weights that make r = (2, 3), so that
// u = (3, 2), p = (1.5, 1), s = (3, 2) and the terms after the reading are those of the test above.
const afterReading = { task: 25, interact_state_1: 2.5, interact_task: 16, mc_1: 0.1, sc_student_1: 1.25 };

test('residual reading: r = h_T + D_T(q); every loss term by hand, for both L_SC teacher terms', () => {
  // D_T(m) = 0.5 m + (0, -1): D_T(q) = (1, 0), r = (1, 3) + (1, 0) = (2, 3).
  const dT: [number[][], number[]] = [diag(0.5, 0.5), [0, -1]];
  assert.deepEqual(handWorked({ reading: 'residual' }, dT), {
    ...afterReading,
    sc_teacher_1: 0.05, //  w3 * mse(r, h_T) = 0.1 * |D_T(q)|^2 / 2 = 0.1 * (1 + 0) / 2
  });
  // `own`: the teacher reads its own message, D_T((1, 3)) = (0.5, 0.5): 0.1 * (0.25 + 0.25) / 2.
  assert.deepEqual(handWorked({ reading: 'residual', scTeacher: 'own' }, dT), {
    ...afterReading,
    sc_teacher_1: 0.025,
  });
});

test('concat reading: r = D_T([q, E_T(h_T)]); every loss term by hand, for both L_SC teacher terms', () => {
  // D_T([m, t]) = (0.5 m_1 + t_1, t_2): D_T([2, 2, 1, 3]) = (2, 3).
  const dT: [number[][], number[]] = [
    [
      [0.5, 0],
      [0, 0],
      [1, 0],
      [0, 1],
    ],
    [0, 0],
  ];
  assert.deepEqual(handWorked({ reading: 'concat' }, dT), { ...afterReading, sc_teacher_1: 0.05 });
  // `own`: D_T([1, 3, 1, 3]) = (1.5, 3): 0.1 * (0.25 + 0) / 2.
  assert.deepEqual(handWorked({ reading: 'concat', scTeacher: 'own' }, dT), {
    ...afterReading,
    sc_teacher_1: 0.0125,
  });
});

test("weights.kd: talking's task term becomes kd's mix, the kd term matches the teacher's prediction", () => {
  // D_T(m) = m + (0, 1) gives r = (2, 3) with the first reading; the teacher predicts T(x) = 4.
  const terms = handWorked({ weights: { kd: 0.25 } }, [I, [0, 1]], ([prediction]) => prediction);
  assert.deepEqual(terms, {
    ...afterReading,
    task: 18.75, //       (1 - 0.25) * (6 - 1)^2
    kd: 1, //             0.25 * (6 - 4)^2
    sc_teacher_1: 0.05,
  });
  assert.throws(
    () => handWorked({ weights: { kd: 0.25 } }, [I, [0, 1]]),
    /weights.kd needs the teacher's predictions/,
  );
});

test("with residual or concat, the teacher's own state below b_1 reaches the answer; with none it does not", () => {
  const [batch] = batches(data.downstream.train, 8);
  const answerChanges = (reading: string) => {
    const teacher = mlp([12, 8], 1, 't');
    const student = mlp([5, 3], 2, 's');
    const distiller = createTalking(talking({ reading }), context(teacher, student));
    const interact = () => {
      const terms = distiller.phases[0].losses(batch, { epoch: 0 });
      return [value(terms.interact_state_1), value(terms.interact_task)];
    };
    const before = interact();
    // b_1 = t_h1: its weights are the teacher's layers up to b_1.
    const layer = teacher.getLayer('t_h1');
    layer.setWeights(layer.getWeights().map((w) => w.mul(1.5)));
    const after = interact();
    return before.map((v, i) => v !== after[i]);
  };
  assert.deepEqual(answerChanges('residual'), [true, true]);
  assert.deepEqual(answerChanges('concat'), [true, true]);
  assert.deepEqual(
    answerChanges('none'),
    [false, false],
    'the first reading never sees the teacher compute on x',
  );
});

test('residual reading starts as the teacher itself: D_T is zero, so r = h_T(x) and L_SC teacher is 0', () => {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const distiller = createTalking(talking({ reading: 'residual' }), context(teacher, student));
  const [batch] = batches(data.downstream.train, 8);
  assert.equal(value(distiller.phases[0].losses(batch, { epoch: 0 }).sc_teacher_1), 0);
  const zeros = distiller.parts.decoder_teacher_t_h1.apply(tf.ones([3, 32])) as Tensor;
  assert.deepEqual(Array.from(zeros.dataSync()), new Array<number>(3 * 12).fill(0));
});

test("translator: L_interact trains the student and D_S, never the teacher's side nor the student's message", () => {
  const config = talking({ translator: true, reading: 'residual', weights: { mc: 0, sc: 0 } });
  const { student, channel, distiller } = interactGradients(config, ['interact_state_1', 'interact_task']);
  assert.ok(student > 0);
  assert.deepEqual(
    channel.map((n) => n > 0),
    [false, false, false, true],
  );
  // No loss reaches the last answer encoder: it is not trained (weight decay cannot shrink it).
  const trained = new Set(distiller.phases[0].groups.flatMap((g) => g.variables));
  assert.ok(trainableVariables(distiller.parts.encoder_teacher_t_h2).every((v) => !trained.has(v)));
  // Its handshake also teaches D_S to read the answer, before the student is pulled towards it.
  const withHandshake = createTalking(
    talking({ translator: true, handshakeEpochs: 1 }),
    context(mlp([12, 8], 1, 't'), mlp([5, 3], 2, 's')),
  );
  const [handshake] = withHandshake.phases;
  const [batch] = batches(data.downstream.train, 8);
  assert.deepEqual(Object.keys(handshake.losses(batch, { epoch: 0 })).sort(), [
    'interact_task',
    'mc_1',
    'sc_student_1',
    'sc_teacher_1',
  ]);
  const handshakeTrains = new Set(handshake.groups.flatMap((g) => g.variables));
  assert.ok(
    trainableVariables(withHandshake.parts.encoder_teacher_t_h2).every((v) => !handshakeTrains.has(v)),
  );
  assert.throws(
    () =>
      createTalking(
        talking({ translator: true, teacher: { mode: 'finetune' } }),
        context(mlp([12, 8], 1, 't'), mlp([5, 3], 2, 's')),
      ),
    /translator stops L_interact's gradients/,
  );
});

test('answerAt output puts the answer at the predictions; it cannot be combined with explicit layers', () => {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const distiller = createTalking(talking({ answerAt: 'output' }), context(teacher, student));
  assert.deepEqual(Object.keys(distiller.parts).sort(), [
    'decoder_student_s_h1',
    'decoder_student_s_out',
    'decoder_teacher_t_h1',
    'encoder_student_s_h1',
    'encoder_teacher_t_h1',
    'encoder_teacher_t_out',
    'student',
  ]);
  assert.throws(
    () =>
      createTalking(
        talking({ answerAt: 'output', layers: pairsOf(['s_h1', 't_h1'], ['s_h2', 't_h2']) }),
        context(teacher, student),
      ),
    /answerAt places the default layer pairs/,
  );
});
