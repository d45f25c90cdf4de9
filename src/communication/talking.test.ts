import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type LayersModel, type Tensor } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { Random } from '../engine/random.js';
import { ModelGraph } from '../models/cut.js';
import { parseMethodConfig, type TalkingConfig } from '../distill/config.js';
import { distance, taskLoss } from '../distill/losses.js';
import type { MethodContext } from '../distill/method.js';
import { trainLoop } from '../distill/train.js';
import { parseTrainingConfig } from '../distill/training-config.js';
import { syntheticRegression } from '../distill/testing/synthetic.js';
import { batches } from '../data/dataset.js';
import { createTalking } from './talking.js';
import { denseModel as mlp } from '../distill/testing/models.js';

before(() => initBackend('cpu'));

const data = syntheticRegression({ seed: 3, downstream: 64 });

function context(teacher: LayersModel, student: LayersModel): MethodContext {
  return {
    teacher,
    student,
    task: 'regression',
    train: data.downstream.train,
    random: new Random(1),
    fit: async () => assert.fail('talking needs no preliminary fit'),
  };
}

const talking = (input: object) => parseMethodConfig({ name: 'talking', ...input }) as TalkingConfig;
const value = (t: Tensor) => t.dataSync()[0];

test('every loss term is the formula of method.md on the right states (N = 2 rounds)', () => {
  const teacher = mlp([12, 10, 8], 1, 't');
  const student = mlp([5, 4, 3], 2, 's');
  const pairs = [
    { student: 's_h1', teacher: 't_h1' },
    { student: 's_h2', teacher: 't_h2' },
    { student: 's_h3', teacher: 't_h3' },
  ];
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

test('weights of 0 and switches leave their terms out; a bad layer pair is named', () => {
  const teacher = mlp([12, 8], 1, 't');
  const student = mlp([5, 3], 2, 's');
  const [batch] = batches(data.downstream.train, 8);
  const terms = createTalking(
    talking({ weights: { mc: 0, sc: 0 }, interactTask: false }),
    context(teacher, student),
  ).phases[0].losses(batch, { epoch: 0 });
  assert.deepEqual(Object.keys(terms).sort(), ['interact_state_1', 'task']);
  assert.throws(
    () =>
      createTalking(
        talking({
          layers: [
            { student: 's_h1', teacher: 't_h2' },
            { student: 's_h2', teacher: 't_h1' },
          ],
        }),
        context(teacher, student),
      ),
    /the teacher cannot think from "t_h2" to "t_h1"/,
  );
  assert.throws(
    () =>
      createTalking(talking({ handshakeEpochs: 2, weights: { mc: 0, sc: 0 } }), context(teacher, student)),
    /both weights/,
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
