import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { decoupledKdLoss, distance, relationalKdLoss, softTargetLoss, taskLoss } from './losses.js';

before(() => initBackend('cpu'));

const value = (t: tf.Scalar) => t.dataSync()[0];
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual}, expected ${expected}`);

test('distances between states, by hand', () => {
  // mse: ((1-3)^2 + (2-2)^2) / 2 = 2
  close(value(distance('mse', tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 2]]))), 2, 'mse');
  // cosine: orthogonal rows -> 1 - 0; parallel rows -> 1 - 1; mean over the batch = 0.5
  close(
    value(
      distance(
        'cosine',
        tf.tensor2d([
          [1, 0],
          [1, 0],
        ]),
        tf.tensor2d([
          [0, 1],
          [2, 0],
        ]),
      ),
    ),
    0.5,
    'cosine',
  );
  // smooth-L1 (delta 1): |0.5| -> 0.5 * 0.25 = 0.125; |3| -> 3 - 0.5 = 2.5; mean = 1.3125
  close(value(distance('smoothL1', tf.tensor2d([[0, 3]]), tf.tensor2d([[0.5, 0]]))), 1.3125, 'smoothL1');
  // feature maps are compared element by element: mean of (1, 0, 0, 0)^2 = 0.25
  close(
    value(distance('mse', tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1]), tf.zeros([1, 2, 2, 1]))),
    0.25,
    'mse on maps',
  );
});

test('task losses, by hand', () => {
  // ratings: ((2-1)^2 + (4-1)^2) / 2 = 5
  close(value(taskLoss('regression', tf.tensor2d([[2], [4]]), tf.tensor2d([[1], [1]]))), 5, 'mse');
  // logits (0, ln 3): p(class 1) = 3/4, cross-entropy -ln(3/4)
  close(
    value(taskLoss('classification', tf.tensor2d([[0, Math.log(3)]]), tf.tensor1d([1], 'int32'))),
    -Math.log(0.75),
    'ce',
  );
});

test('Hinton soft-target loss, by hand', () => {
  // tau 2: teacher (2 ln 3, 0)/2 -> p = (3/4, 1/4); student (0, 0) -> q = (1/2, 1/2)
  // KL = 3/4 ln(3/2) + 1/4 ln(1/2), times tau^2 = 4
  const expected = 4 * (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5));
  close(value(softTargetLoss(tf.tensor2d([[0, 0]]), tf.tensor2d([[2 * Math.log(3), 0]]), 2)), expected, 'kd');
});

test('decoupled KD, by hand', () => {
  // tau 1, label 0. Teacher (ln 4, ln 2, 0): p = (4, 2, 1)/7; student (0, 0, 0): q = (1, 1, 1)/3.
  // TCKD: KL of (target, rest) = (4/7, 3/7) against (1/3, 2/3).
  const tckd = (4 / 7) * Math.log(4 / 7 / (1 / 3)) + (3 / 7) * Math.log(3 / 7 / (2 / 3));
  // NCKD: KL over the non-target classes, (2/3, 1/3) against (1/2, 1/2).
  const nckd = (2 / 3) * Math.log(2 / 3 / 0.5) + (1 / 3) * Math.log(1 / 3 / 0.5);
  const loss = decoupledKdLoss(
    tf.zeros([1, 3]),
    tf.tensor2d([[Math.log(4), Math.log(2), 0]]),
    tf.tensor1d([0], 'int32'),
    {
      alpha: 1,
      beta: 8,
      temperature: 1,
    },
  );
  close(value(loss), tckd + 8 * nckd, 'dkd');
});

test('relational KD: zero for the same structure at another scale; by hand for a right triangle', () => {
  const s = tf.tensor2d([
    [0, 0],
    [1, 0],
    [0, 1],
  ]);
  close(value(relationalKdLoss(s, s.mul(3), { distanceWeight: 25, angleWeight: 50 })), 0, 'scaled copy');
  // Student: right isosceles triangle, distances 1, 1, sqrt2 (mean over the 6 ordered pairs:
  // (2 + sqrt2) * 2 / 6). Teacher: (0,0), (2,0), (0,1): distances 2, 1, sqrt5.
  const t = tf.tensor2d([
    [0, 0],
    [2, 0],
    [0, 1],
  ]);
  const huber = (d: number) => (Math.abs(d) < 1 ? 0.5 * d * d : Math.abs(d) - 0.5);
  const sd = [1, 1, Math.SQRT2];
  const td = [2, 1, Math.sqrt(5)];
  const sMean = sd.reduce((a, b) => a + b) / 3;
  const tMean = td.reduce((a, b) => a + b) / 3;
  // 9 entries: 3 zero diagonals, each pair twice.
  const distanceTerm = (2 * sd.reduce((sum, d, i) => sum + huber(d / sMean - td[i] / tMean), 0)) / 9;
  const loss = relationalKdLoss(s, t, { distanceWeight: 1, angleWeight: 0 });
  close(value(loss), distanceTerm, 'distance term');
});

test('relational KD angle term equals a loop over every triplet', () => {
  const points = [
    [0.2, 1],
    [1.5, -0.3],
    [-1, 0.4],
    [0.7, 0.9],
  ];
  const teacherPoints = [
    [1, 0, 2],
    [0, 1, 1],
    [2, 2, 0],
    [1, -1, 1],
  ];
  const huber = (d: number) => (Math.abs(d) < 1 ? 0.5 * d * d : Math.abs(d) - 0.5);
  const cosines = (p: number[][]) => {
    const out: number[] = [];
    for (const xj of p) {
      for (const xi of p) {
        for (const xk of p) {
          const a = xi.map((v, d) => v - xj[d]);
          const b = xk.map((v, d) => v - xj[d]);
          const na = Math.hypot(...a);
          const nb = Math.hypot(...b);
          out.push(na && nb ? a.reduce((sum, v, d) => sum + v * b[d], 0) / (na * nb) : 0);
        }
      }
    }
    return out;
  };
  const [cs, ct] = [cosines(points), cosines(teacherPoints)];
  const expected = cs.reduce((sum, c, i) => sum + huber(c - ct[i]), 0) / cs.length;
  const loss = relationalKdLoss(tf.tensor2d(points), tf.tensor2d(teacherPoints), {
    distanceWeight: 0,
    angleWeight: 1,
  });
  close(value(loss), expected, 'angle term');
});

test('relational KD on a batch of one is 0 with a finite gradient, not 0/0', () => {
  const s = tf.variable(tf.tensor2d([[0.3, -1.2]]));
  const t = tf.tensor2d([[2, 1]]);
  const { value: loss, grads } = tf.variableGrads(
    () => relationalKdLoss(s, t, { distanceWeight: 25, angleWeight: 50 }),
    [s],
  );
  assert.equal(value(loss), 0);
  assert.ok(Array.from(grads[s.name].dataSync()).every(Number.isFinite), 'finite gradient');
  tf.dispose([s, t, loss, grads[s.name]]);
});
