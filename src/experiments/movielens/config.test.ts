import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../../engine/tf.js';
import { initBackend } from '../../engine/backend.js';
import { buildRecommender } from '../../models/recommender.js';
import { ModelGraph } from '../../models/cut.js';
import { assembleMembers } from '../../models/assemble_members.js';
import { ABLATIONS, parseMovielensGenreConfig, QUICK } from './config.js';
import { DEFAULT_KNOBS } from '../tuning.js';
import { parseImageTransferConfig } from '../images/config.js';

before(() => initBackend('cpu'));

test('E1 defaults: a biased factorisation teacher with weight decay, the student as experiments.md has it', () => {
  const config = parseMovielensGenreConfig({});
  assert.deepEqual(config.teacher, { embedding: 64, hidden: [], biases: true, factors: 64, members: 4 });
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

test('teacher.members: a positive integer, default 4 for a pure factorisation and 1 for any other shape; students have none', () => {
  assert.equal(parseMovielensGenreConfig({ teacher: { members: 2 } }).teacher.members, 2);
  assert.equal(parseMovielensGenreConfig({ teacher: { hidden: [16] } }).teacher.members, 1);
  assert.equal(parseMovielensGenreConfig({ teacher: { factors: 0 } }).teacher.members, 1);
  for (const members of [0, -1, 1.5, '2', null]) {
    assert.throws(
      () => parseMovielensGenreConfig({ teacher: { members } }),
      /teacher\.members: members must be a positive integer \(how many factorisations are trained and averaged\)/,
      String(members),
    );
  }
  assert.throws(
    () => parseMovielensGenreConfig({ teacher: { members: 2, hidden: [16] } }),
    /teacher\.members: more than one member needs a pure factorisation \(factors > 0, hidden: \[\]\)/,
  );
  assert.throws(
    () => parseMovielensGenreConfig({ teacher: { members: 2, factors: 0 } }),
    /teacher\.members: more than one member needs a pure factorisation/,
  );
  assert.throws(
    () => parseMovielensGenreConfig({ student: { members: 2 } }),
    /student\.members: Unrecognized key/,
  );
});

test("every ablation's layer pairs cut E1's default teacher, one of members, and the student where the graph separates", () => {
  const config = parseMovielensGenreConfig({});
  const { members, ...shape } = config.teacher;
  assert.equal(members, 4);
  const member = (seed: number) => buildRecommender({ users: 6, items: 5, ...shape, seed });
  const graphs = {
    teacher: new ModelGraph(member(1)),
    'teacher of 3 members': new ModelGraph(
      assembleMembers([1, 2, 3].map(member), { users: 6, items: 5, ...shape, seed: 0, outputBias: 3.5 }),
    ),
    student: new ModelGraph(buildRecommender({ users: 6, items: 5, ...config.student, seed: 2 })),
  };
  const inputs = { user: tf.tensor2d([0, 5], [2, 1], 'int32'), item: tf.tensor2d([4, 1], [2, 1], 'int32') };
  for (const [name, variant] of Object.entries(ABLATIONS)) {
    const pairs = variant.layers as { student: string; teacher: string }[] | undefined;
    if (!pairs) continue;
    for (const [model, graph] of Object.entries(graphs)) {
      const side = model === 'student' ? 'student' : 'teacher';
      const layers = pairs.map((p) => p[side]);
      const states = graph.run(inputs, layers, false);
      // From each layer's state the next one must be computable alone (run throws otherwise).
      layers.slice(1).forEach((next, k) => {
        assert.doesNotThrow(
          () => graph.run({ [layers[k]]: states[layers[k]] }, [next], false),
          `${name} ${model}`,
        );
      });
    }
  }
});
