import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type LayersModel, type Scalar, type Tensor, type Variable } from '../../engine/tf.js';
import { initBackend } from '../../engine/backend.js';
import { Random } from '../../engine/random.js';
import type { Batch } from '../../data/dataset.js';
import type { Distiller, MethodContext, Phase, TaskKind } from '../method.js';
import { relationalKdLoss } from '../losses.js';
import { trainableVariables } from '../variables.js';
import { diagonal, identity2, linearModel } from '../../../test/support/linear.js';
import { createDistiller, parseMethodConfig } from './registry.js';

before(() => initBackend('cpu'));

const value = (t: Tensor) => t.dataSync()[0];
const rounded = (terms: Record<string, Scalar>) =>
  Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, Number(value(v).toFixed(5))]));

/** A context whose `fit` records what it was asked to train and takes a few plain SGD steps on `batch`. */
function context(
  task: TaskKind,
  models: { teacher?: LayersModel; student: LayersModel; assistant?: LayersModel },
  batch: Batch,
) {
  const fits: { label: string; phases: Phase[] }[] = [];
  const ctx: MethodContext = {
    ...models,
    task,
    train: { size: 0, inputs: [], target: { values: new Float32Array(0), shape: [1], dtype: 'float32' } },
    random: new Random(7),
    seedRandom: new Random(8),
    fit: async (phases, _model, label) => {
      fits.push({ label, phases });
      const optimizer = tf.train.sgd(0.01);
      for (const phase of phases) {
        for (let step = 0; step < 3; step++) {
          optimizer.minimize(
            () => tf.addN(Object.values(phase.losses(batch, { epoch: 0 }))) as Scalar,
            false,
            phase.groups.flatMap((g) => g.variables),
          );
        }
      }
      optimizer.dispose();
    },
    fitShared: (phases, model, label) => ctx.fit(phases, model, label),
  };
  return { ctx, fits };
}

const make = async (input: object, ctx: MethodContext) => createDistiller(parseMethodConfig(input), ctx);
const terms = (distiller: Distiller, batch: Batch, epoch = 0) =>
  rounded(distiller.phases[distiller.phases.length - 1].losses(batch, { epoch }));

// x = (1, 2), rating 1. Student: h1 = x, out = sum(h1) = 3. Teacher: h1 = x + (0, 1) = (1, 3), out = h1 . (1, 1) = 4.
const ratingBatch = (): Batch => ({ inputs: [tf.tensor2d([[1, 2]])], target: tf.tensor2d([[1]]), size: 1 });
// Teacher of 3 classes on x = (1, 2): h1 = x + (0, 1) = (1, 3), logits (1, 3, 5).
const threeClassTeacher = () =>
  linearModel('t', [
    [identity2, [0, 1]],
    [
      [
        [1, 0, 2],
        [0, 1, 1],
      ],
      [0, 0, 0],
    ],
  ]);
const ratingStudent = () =>
  linearModel('s', [
    [identity2, [0, 0]],
    [[[1], [1]], [0]],
  ]);
const ratingTeacher = () =>
  linearModel('t', [
    [identity2, [0, 1]],
    [[[1], [1]], [0]],
  ]);

test('student and kd on ratings, by hand', async () => {
  const batch = ratingBatch();
  const models = { teacher: ratingTeacher(), student: ratingStudent() };
  const { ctx, fits } = context('regression', models, batch);
  // task = (3 - 1)^2 = 4
  assert.deepEqual(terms(await make({ name: 'student' }, ctx), batch), { task: 4 });
  // alpha 0.5: task 0.5 * 4 = 2; kd 0.5 * (3 - 4)^2 = 0.5 (MSE to the teacher's rating)
  assert.deepEqual(terms(await make({ name: 'kd' }, ctx), batch), { task: 2, kd: 0.5 });
  // alpha 0.25: task 0.75 * 4 = 3; kd 0.25 * 1 = 0.25
  assert.deepEqual(terms(await make({ name: 'kd', alpha: 0.25 }, ctx), batch), { task: 3, kd: 0.25 });
  assert.equal(fits.length, 0, 'same output size: the teacher head is kept');
});

test("talking+kd adds kd's terms, from the same teacher predictions and head as kd", async () => {
  const batch = ratingBatch();
  const { ctx } = context('regression', { teacher: ratingTeacher(), student: ratingStudent() }, batch);
  // As kd above: task 0.5 * (3 - 1)^2 = 2, kd 0.5 * (3 - 4)^2 = 0.5; the talking terms beside them.
  const talkingKd = terms(await make({ name: 'talking+kd', answerAt: 'output' }, ctx), batch);
  assert.deepEqual([talkingKd.task, talkingKd.kd], [2, 0.5]);
  assert.ok('interact_task' in talkingKd && 'mc_1' in talkingKd);
  // Another label space: the teacher first gets a downstream head, as for kd.
  const classes: Batch = { inputs: [tf.tensor2d([[1, 2]])], target: tf.tensor1d([1], 'int32'), size: 1 };
  const teacher = threeClassTeacher();
  const student = linearModel('s', [
    [identity2, [0, 0]],
    [identity2, [0, 0]],
  ]);
  const withHead = context('classification', { teacher, student }, classes);
  await make({ name: 'talking+kd', answerAt: 'output' }, withHead.ctx);
  assert.deepEqual(
    withHead.fits.map((f) => f.label),
    ['teacher head'],
  );
  const without = context('classification', { teacher, student }, classes);
  await make({ name: 'talking', answerAt: 'output' }, without.ctx);
  assert.equal(without.fits.length, 0, 'talking without the kd term needs no head');
});

test('kd and dkd on classes, by hand (dkd ramps up over its warm-up epochs)', async () => {
  // x = (1, 0), label 0. Student logits (0, 0, 0); teacher logits (ln 4, ln 2, 0).
  const batch: Batch = { inputs: [tf.tensor2d([[1, 0]])], target: tf.tensor1d([0], 'int32'), size: 1 };
  const student = linearModel('s', [
    [
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      [0, 0, 0],
    ],
  ]);
  const teacher = linearModel('t', [
    [
      [
        [Math.log(4), Math.log(2), 0],
        [0, 0, 0],
      ],
      [0, 0, 0],
    ],
  ]);
  const { ctx } = context('classification', { teacher, student }, batch);
  // task: -ln(1/3) = ln 3 = 1.09861, times 1 - alpha = 0.5 -> 0.54931.
  // kd, tau 1: p = (4, 2, 1)/7, q = (1, 1, 1)/3; KL = 4/7 ln(12/7) + 2/7 ln(6/7) + 1/7 ln(3/7)
  //   = 0.30800 - 0.04404 - 0.12104 = 0.14292, times tau^2 = 1 and alpha 0.5 -> 0.07146.
  assert.deepEqual(terms(await make({ name: 'kd', temperature: 1 }, ctx), batch), {
    task: 0.54931,
    kd: 0.07146,
  });
  // dkd, tau 1: TCKD = 4/7 ln(12/7) + 3/7 ln(9/14) = 0.30800 - 0.18937 = 0.11863;
  // NCKD = 2/3 ln(4/3) + 1/3 ln(2/3) = 0.19179 - 0.13516 = 0.05663;
  // alpha 1, beta 8: 0.11863 + 8 * 0.05663 = 0.57167. The task term is plain cross-entropy, ln 3.
  const dkd = await make({ name: 'dkd', temperature: 1, warmupEpochs: 4 }, ctx);
  const full = 0.11863 + 8 * 0.05663;
  const dkdAt = (epoch: number) => terms(dkd, batch, epoch);
  assert.equal(dkdAt(0).task, 1.09861);
  assert.ok(Math.abs(dkdAt(0).dkd - full / 4) < 1e-4, `epoch 1 of 4 warm-up: ${dkdAt(0).dkd}`);
  assert.ok(Math.abs(dkdAt(3).dkd - full) < 1e-4, `end of warm-up: ${dkdAt(3).dkd}`);
  assert.ok(Math.abs(dkdAt(9).dkd - full) < 1e-4, `after warm-up: ${dkdAt(9).dkd}`);
  await assert.rejects(
    make({ name: 'dkd' }, context('regression', { teacher, student }, batch).ctx),
    /dkd is defined for classification only/,
  );
});

test('fitnet: task plus beta * MSE(regressor(h_S), h_T) on the penultimate states, by hand', async () => {
  const batch = ratingBatch();
  const { ctx } = context('regression', { teacher: ratingTeacher(), student: ratingStudent() }, batch);
  const fitnet = await make({ name: 'fitnet', beta: 2 }, ctx);
  fitnet.parts.fitnet_regressor.setWeights([tf.tensor2d(diagonal(2, 1)), tf.tensor1d([0, 0])]);
  // h_S = (1, 2) -> regressor (2, 2); h_T = (1, 3); MSE = (1 + 1) / 2 = 1, times beta 2.
  assert.deepEqual(terms(fitnet, batch), { task: 4, hint: 2 });
});

test('rkd relates the first relationSize examples of the two penultimate states', async () => {
  const rows = [
    [0, 0],
    [1, 0],
    [0, 1],
    [5, 3],
  ];
  const batch: Batch = { inputs: [tf.tensor2d(rows)], target: tf.zeros([4, 1]), size: 4 };
  // Teacher h1 = (2 x1, x2 + 1): the student's triangle stretched, so distances and angles differ.
  const teacher = linearModel('t', [
    [diagonal(2, 1), [0, 1]],
    [[[1], [1]], [0]],
  ]);
  const { ctx } = context('regression', { teacher, student: ratingStudent() }, batch);
  const rkd = terms(await make({ name: 'rkd', relationSize: 3 }, ctx), batch).rkd;
  const weights = { distanceWeight: 25, angleWeight: 50 };
  const relations = (n: number) => {
    const s = tf.tensor2d(rows.slice(0, n));
    return Number(value(relationalKdLoss(s, s.mul([2, 1]).add([0, 1]), weights)).toFixed(5));
  };
  assert.equal(rkd, relations(3));
  assert.notEqual(rkd, relations(4), 'the 4th example changes the relations');
  assert.ok(rkd > 0);
});

test('a teacher with another output size gets a new head, trained alone before kd', async () => {
  // Teacher: 3 source classes; student: 2 downstream classes.
  const batch: Batch = { inputs: [tf.tensor2d([[1, 2]])], target: tf.tensor1d([1], 'int32'), size: 1 };
  const teacher = threeClassTeacher();
  const student = linearModel('s', [[identity2, [0, 0]]]);
  const teacherBefore = teacher.getWeights().map((w) => Array.from(w.dataSync()));
  const { ctx, fits } = context('classification', { teacher, student }, batch);
  const kd = await make({ name: 'kd', temperature: 1 }, ctx);
  assert.deepEqual(
    fits.map((f) => f.label),
    ['teacher head'],
  );
  const headVariables = fits[0].phases[0].groups.flatMap((g) => g.variables);
  assert.deepEqual(
    headVariables.map((v) => v.shape),
    [[2, 2], [2]],
    'only a 2-class head on the 2-wide penultimate state trains',
  );
  assert.deepEqual(
    teacher.getWeights().map((w) => Array.from(w.dataSync())),
    teacherBefore,
    'the teacher body and old head are untouched',
  );
  // The kd target is the new head on the teacher's penultimate state (1, 3).
  const [kernel, bias] = headVariables;
  const logits = tf
    .tensor2d([[1, 3]])
    .matMul(kernel)
    .add(bias);
  const p = tf.softmax(logits).dataSync();
  // Student logits (1, 2): q = softmax. KL(p || q) * tau^2 (tau 1) * alpha 0.5.
  const q = tf.softmax(tf.tensor2d([[1, 2]])).dataSync();
  const kl = p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
  assert.ok(Math.abs(terms(kd, batch).kd - 0.5 * kl) < 1e-5);
  await assert.rejects(
    make({ name: 'kd', teacherHead: 'keep' }, ctx),
    /teacherHead "keep": the teacher predicts 3 values, the student 2/,
  );
});

test('takd first distills the assistant from the teacher, then the student from the assistant', async () => {
  const batch = ratingBatch();
  const teacher = ratingTeacher();
  const student = ratingStudent();
  // Assistant: h1 = 3 x = (3, 6), out = h1 . (1, 0) = 3 before its fit.
  const assistant = linearModel('a', [
    [diagonal(3, 3), [0, 0]],
    [[[1], [0]], [0]],
  ]);
  const { ctx, fits } = context('regression', { teacher, student, assistant }, batch);
  const takd = await make({ name: 'takd' }, ctx);
  assert.deepEqual(
    fits.map((f) => f.label),
    ['assistant'],
  );
  assert.deepEqual(
    fits[0].phases[0].groups.flatMap((g) => g.variables),
    trainableVariables(assistant),
  );
  // The student's kd target is the assistant's rating a after its fit: kd = alpha * (3 - a)^2.
  const a = value(assistant.predict(batch.inputs) as Tensor);
  assert.notEqual(a, 3, 'the assistant trained');
  const kd = terms(takd, batch).kd;
  assert.ok(Math.abs(kd - 0.5 * (3 - a) ** 2) < 1e-5, `kd ${kd} with the assistant at ${a}`);
  await assert.rejects(
    make({ name: 'takd' }, context('regression', { teacher, student }, batch).ctx),
    /assistant/,
  );
});

test('no baseline trains the teacher; each trains the whole student', async () => {
  const batch = ratingBatch();
  for (const name of ['student', 'kd', 'fitnet', 'rkd', 'takd']) {
    const teacher = ratingTeacher();
    const student = ratingStudent();
    const assistant = ratingStudent();
    const { ctx } = context('regression', { teacher, student, assistant }, batch);
    const distiller = await make({ name }, ctx);
    const trained = new Set<Variable>(distiller.phases.flatMap((p) => p.groups.flatMap((g) => g.variables)));
    assert.ok(
      trainableVariables(teacher).every((v) => !trained.has(v)),
      `${name} trains the teacher`,
    );
    assert.ok(
      trainableVariables(student).every((v) => trained.has(v)),
      `${name} leaves student weights out`,
    );
  }
});
