import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { buildRecommender } from './recommender.js';
import { ModelGraph, runModel } from './cut.js';
import { tinyResNet } from '../../test/support/models.js';
import { buildResNet } from './resnet.js';

before(() => initBackend('cpu'));

function assertAllClose(a: tf.Tensor, b: tf.Tensor) {
  const [x, y] = [a.dataSync(), b.dataSync()];
  assert.equal(x.length, y.length);
  for (let i = 0; i < x.length; i++)
    assert.ok(Math.abs(x[i] - y[i]) <= 1e-5, `element ${i}: ${x[i]} vs ${y[i]}`);
}

test('a two-input recommender: stages composed equal the whole model; default cuts', () => {
  const model = buildRecommender({ users: 9, items: 7, embedding: 3, hidden: [6, 4], seed: 1 });
  const graph = new ModelGraph(model);
  const users = tf.tensor2d([0, 4, 8], [3, 1], 'int32');
  const items = tf.tensor2d([6, 1, 2], [3, 1], 'int32');
  assert.equal(graph.penultimate(), 'dense_2');
  assert.equal(graph.lowerCut(), 'concat');
  assert.deepEqual(graph.stateShape('concat'), [6]);
  const states = graph.run({ user: users, item: items }, ['concat', 'dense_2'], false);
  const thought = graph.run({ concat: states.concat }, ['dense_2'], false).dense_2;
  assertAllClose(thought, states.dense_2);
  const out = graph.run({ dense_2: states.dense_2 }, [graph.outputName], false)[graph.outputName];
  assertAllClose(out, model.predict([users, items]) as tf.Tensor);
  assertAllClose(runModel(graph, [users, items], false), out);
});

test('a residual net: the stem is the lower cut, a cut inside a block is refused by name', () => {
  const model = tinyResNet([4, 6], 3, 2);
  const graph = new ModelGraph(model);
  assert.equal(graph.lowerCut(), 'stem_relu');
  assert.equal(graph.penultimate(), 'pool');
  assert.deepEqual(graph.stateShape('stage1_block1_out'), [8, 8, 4]);
  const image = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
  const stem = graph.run({ image }, ['stem_relu'], false).stem_relu;
  const pooled = graph.run({ stem_relu: stem }, ['pool'], false).pool;
  const logits = graph.run({ pool: pooled }, ['logits'], false).logits;
  assertAllClose(logits, model.predict(image) as tf.Tensor);
  // stage1_block1_conv1 is inside a block whose shortcut bypasses it.
  const inside = graph.run({ image }, ['stage1_block1_conv1'], false).stage1_block1_conv1;
  assert.throws(
    () => graph.run({ stage1_block1_conv1: inside }, ['pool'], false),
    /Cannot compute "pool" of .* from the states at stage1_block1_conv1: it also needs the model input "image"/,
  );
  assert.ok(!graph.separators('pool').includes('stage1_block1_conv1'));
  assert.ok(graph.separators('pool').includes('stage1_block1_out'));
});

test('weightsBetween selects exactly the layers after a cut up to a target', () => {
  const model = buildRecommender({ users: 5, items: 5, embedding: 2, hidden: [4, 3], seed: 1 });
  const names = new ModelGraph(model).weightsBetween('concat', 'dense_2').map((w) => w.originalName);
  assert.deepEqual(names, ['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
});

test('an unknown layer name lists the layers there are', () => {
  const graph = new ModelGraph(buildRecommender({ users: 5, items: 5, embedding: 2, hidden: [3], seed: 1 }));
  assert.throws(
    () => graph.layer('dense_9'),
    /has no layer "dense_9"; its layers are user, item, user_embedding/,
  );
});

test('a second training pass from a cut uses batch statistics but leaves the moving ones as they were', () => {
  const model = tinyResNet([2, 3], 2, 4, { side: 4, channels: 2 });
  const graph = new ModelGraph(model);
  const movingStatistics = () => model.getWeights(false).map((w) => Array.from(w.dataSync()));
  const cut = graph.run({ image: tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 5) }, ['stem_relu'], true);
  // Statistics of stage 1 and 2 after one ordinary training pass; then a pass from other states.
  const before = movingStatistics();
  const other = { stem_relu: cut.stem_relu.mul(3).add(1) };
  const kept = graph.runKeepingStatistics(other, ['logits']).logits;
  assert.deepEqual(movingStatistics(), before);
  const trained = graph.run(other, ['logits'], true).logits;
  assertAllClose(kept, trained);
  assert.notDeepEqual(movingStatistics(), before, 'an ordinary training pass does move them');
});

test('two input branches that merge late: the merge is the first cut, a branch layer is refused', () => {
  const a = tf.input({ shape: [3], name: 'a' });
  const b = tf.input({ shape: [2], name: 'b' });
  const dense = (units: number, name: string) => tf.layers.dense({ units, name, kernelInitializer: 'ones' });
  const branchA = dense(4, 'branch_a').apply(a) as tf.SymbolicTensor;
  const branchB = dense(4, 'branch_b').apply(b) as tf.SymbolicTensor;
  const merged = tf.layers.concatenate({ name: 'merge' }).apply([branchA, branchB]) as tf.SymbolicTensor;
  const hidden = dense(3, 'hidden').apply(merged) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [a, b], outputs: dense(1, 'out').apply(hidden) as tf.SymbolicTensor });
  const graph = new ModelGraph(model);
  assert.equal(graph.lowerCut(), 'merge');
  assert.deepEqual(graph.separators('hidden'), ['merge']);
  const inputs = [tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[-1, 4]])];
  const states = graph.run({ a: inputs[0], b: inputs[1] }, ['branch_a', 'merge'], false);
  assertAllClose(graph.run({ merge: states.merge }, ['out'], false).out, model.predict(inputs) as tf.Tensor);
  assert.throws(
    () => graph.run({ branch_a: states.branch_a }, ['out'], false),
    /from the states at branch_a: it also needs the model input "b"/,
  );
});

test('a Sequential model is cut like a functional one', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 3, activation: 'relu', name: 'seq_h1' }),
      tf.layers.dense({ units: 2, name: 'seq_h2' }),
      tf.layers.dense({ units: 1, name: 'seq_out' }),
    ],
  });
  const graph = new ModelGraph(model);
  assert.equal(graph.penultimate(), 'seq_h2');
  assert.equal(graph.lowerCut(), 'seq_h1');
  const x = tf.tensor2d([[0.5, -1]]);
  const h1 = graph.run({ [graph.inputNames[0]]: x }, ['seq_h1'], false).seq_h1;
  assertAllClose(graph.run({ seq_h1: h1 }, ['seq_out'], false).seq_out, model.predict(x) as tf.Tensor);
});

/**
 * Runs `call`, failing it at its first parent look-up beyond 4 * layers^2: a guard on the graph
 * walk's cost that does not time anything. Walking every path instead of every layer made lowerCut
 * exponential in the number of residual blocks (a ResNet-56 has 2^27 paths from input to output):
 * counting to the end, this test ran for minutes on that walk instead of failing.
 */
function withinQuadraticLookups(graph: ModelGraph, call: () => void): void {
  const parents = (graph as unknown as { parents: Map<string, string[]> }).parents;
  const get = parents.get.bind(parents);
  const layers = graph.model.layers.length;
  const limit = 4 * layers * layers;
  let count = 0;
  parents.get = (name: string) => {
    if (++count > limit) throw new Error(`more than ${limit} parent look-ups for ${layers} layers`);
    return get(name);
  };
  try {
    call();
  } finally {
    parents.get = get;
  }
}

test('lowerCut of a ResNet-56 is its stem, found in a walk quadratic in the layers at most', () => {
  const model = buildResNet({
    inputShape: [8, 8, 3],
    widths: [2, 4, 8],
    blocksPerStage: 9,
    classes: 2,
    seed: 1,
  });
  const graph = new ModelGraph(model);
  let cut = '';
  withinQuadraticLookups(graph, () => (cut = graph.lowerCut()));
  assert.equal(cut, 'stem_relu');
  const separators = graph.separators(graph.penultimate());
  assert.ok(separators.includes('stage3_block9_out') && !separators.includes('stage3_block9_conv1'));
  const started = performance.now();
  graph.lowerCut();
  // A loose bound only as a second guard (the exponential walk took seconds at 21 blocks).
  assert.ok(performance.now() - started < 2000);
});

test('lowerCut of a 12-block transformer-like graph (two residual branches a block) is its embedding', () => {
  const input = tf.input({ shape: [16], name: 'tokens' });
  let x = tf.layers.dense({ units: 8, name: 'embed' }).apply(input) as tf.SymbolicTensor;
  const residual = (x: tf.SymbolicTensor, name: string) => {
    const norm = tf.layers.layerNormalization({ name: `${name}_norm` }).apply(x) as tf.SymbolicTensor;
    const inner = tf.layers.dense({ units: 8, activation: 'relu', name: `${name}_in` }).apply(norm);
    const out = tf.layers.dense({ units: 8, name: `${name}_out` }).apply(inner) as tf.SymbolicTensor;
    return tf.layers.add({ name: `${name}_add` }).apply([x, out]) as tf.SymbolicTensor;
  };
  for (let b = 1; b <= 12; b++) x = residual(residual(x, `block${b}_attention`), `block${b}_mlp`);
  const head = tf.layers.dense({ units: 1, name: 'head' }).apply(x) as tf.SymbolicTensor;
  const graph = new ModelGraph(tf.model({ inputs: input, outputs: head }));
  let cut = '';
  withinQuadraticLookups(graph, () => (cut = graph.lowerCut()));
  assert.equal(cut, 'embed');
  assert.deepEqual(graph.separators('block2_attention_add'), [
    'embed',
    'block1_attention_add',
    'block1_mlp_add',
  ]);
});
