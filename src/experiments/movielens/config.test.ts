import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../../engine/tf.js';
import { initBackend } from '../../engine/backend.js';
import { buildRecommender } from '../../models/recommender.js';
import { ModelGraph } from '../../models/cut.js';
import { ABLATIONS, parseMovielensGenreConfig, QUICK } from './config.js';
import { DEFAULT_KNOBS } from '../tuning.js';
import { parseImageTransferConfig } from '../images/config.js';

before(() => initBackend('cpu'));

test('E1 defaults: a biased factorisation teacher with weight decay, the student as experiments.md has it', () => {
  const config = parseMovielensGenreConfig({});
  assert.deepEqual(config.teacher, { embedding: 64, hidden: [], biases: true, factors: 64 });
  assert.deepEqual(config.student, { embedding: 8, hidden: [32, 16], biases: false, factors: 0 });
  assert.equal(config.teacherTraining.optimizer.weightDecay, 3e-4);
  // --quick replaces teacherTraining whole: it must keep the teacher's optimizer.
  assert.deepEqual(
    parseMovielensGenreConfig(QUICK).teacherTraining.optimizer,
    config.teacherTraining.optimizer,
  );
});

test('protocol revision 2 by default: 5 seeds, the controls, every method tuned; --quick runs at the defaults', () => {
  for (const config of [parseMovielensGenreConfig({}), parseImageTransferConfig({})]) {
    assert.equal(config.seeds, 5);
    assert.deepEqual(config.methods.slice(-2), ['talking-random-teacher', 'kd-random-teacher']);
    assert.equal(config.tuning.enabled, true);
    assert.deepEqual(config.tuning.knobs, DEFAULT_KNOBS);
    for (const method of config.methods.filter((m) => !m.endsWith('-random-teacher')))
      assert.ok(config.tuning.knobs[method], `${method} has a knob`);
  }
  assert.equal(parseMovielensGenreConfig(QUICK).tuning.enabled, false);
});

test('factors beyond the embedding are refused by field', () => {
  assert.throws(
    () => parseMovielensGenreConfig({ teacher: { embedding: 16, factors: 32 } }),
    /teacher\.factors: factors must be at most embedding/,
  );
});

test("every ablation's layer pairs cut E1's default teacher and student where the graph separates", () => {
  const config = parseMovielensGenreConfig({});
  const graphs = {
    teacher: new ModelGraph(buildRecommender({ users: 6, items: 5, ...config.teacher, seed: 1 })),
    student: new ModelGraph(buildRecommender({ users: 6, items: 5, ...config.student, seed: 2 })),
  };
  const inputs = { user: tf.tensor2d([0, 5], [2, 1], 'int32'), item: tf.tensor2d([4, 1], [2, 1], 'int32') };
  for (const [name, variant] of Object.entries(ABLATIONS)) {
    const pairs = variant.layers as { student: string; teacher: string }[] | undefined;
    if (!pairs) continue;
    for (const side of ['teacher', 'student'] as const) {
      const graph = graphs[side];
      const layers = pairs.map((p) => p[side]);
      const states = graph.run(inputs, layers, false);
      // From each layer's state the next one must be computable alone (run throws otherwise).
      layers.slice(1).forEach((next, k) => {
        assert.doesNotThrow(
          () => graph.run({ [layers[k]]: states[layers[k]] }, [next], false),
          `${name} ${side}`,
        );
      });
    }
  }
});
