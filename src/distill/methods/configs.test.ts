import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TalkingConfig } from './talking/config.js';
import { parseMethodConfig } from './registry.js';

test('defaults are those of method.md and the papers', () => {
  assert.deepEqual(parseMethodConfig({ name: 'talking' }), {
    name: 'talking',
    messageSize: 32,
    channel: { depth: 2, pooling: 'average', decoderGrid: 4 },
    reading: 'none',
    scTeacher: 'student',
    translator: false,
    weights: { interact: 1, mc: 0.1, sc: 0.1, kd: 0 },
    temperature: 4,
    teacherHead: 'auto',
    distance: 'mse',
    handshakeEpochs: 0,
    teacher: { mode: 'frozen', lrMultiplier: 0.1, init: 'pretrained' },
    answerGradients: true,
    interactTask: true,
  });
  assert.deepEqual(parseMethodConfig({ name: 'rkd' }), {
    name: 'rkd',
    distanceWeight: 25,
    angleWeight: 50,
    relationSize: 64,
    teacher: { init: 'pretrained' },
  });
  assert.deepEqual(parseMethodConfig({ name: 'dkd' }), {
    name: 'dkd',
    alpha: 1,
    beta: 8,
    temperature: 4,
    warmupEpochs: 5,
    teacherHead: 'auto',
    teacher: { init: 'pretrained' },
  });
  assert.deepEqual(parseMethodConfig({ name: 'kd' }), {
    name: 'kd',
    temperature: 4,
    alpha: 0.5,
    teacherHead: 'auto',
    teacher: { init: 'pretrained' },
  });
  // A partly given nested object keeps the defaults of the rest.
  const { weights } = parseMethodConfig({ name: 'talking', weights: { mc: 0 } }) as TalkingConfig;
  assert.deepEqual(weights, {
    interact: 1,
    mc: 0,
    sc: 0.1,
    kd: 0,
  });
});

test("talking+kd is talking with the kd term at kd's default alpha; its fields are talking's", () => {
  const plain = parseMethodConfig({ name: 'talking' }) as TalkingConfig;
  assert.deepEqual(parseMethodConfig({ name: 'talking+kd' }), {
    ...plain,
    name: 'talking+kd',
    weights: { ...plain.weights, kd: 0.5 },
  });
  assert.equal(
    (parseMethodConfig({ name: 'kd' }) as { alpha: number }).alpha,
    0.5,
    "talking+kd's alpha is kd's",
  );
  const mixed = parseMethodConfig({
    name: 'talking+kd',
    weights: { mc: 0 },
    reading: 'residual',
  }) as TalkingConfig;
  assert.deepEqual([mixed.weights.kd, mixed.weights.mc, mixed.reading], [0.5, 0, 'residual']);
  assert.throws(
    () => parseMethodConfig({ name: 'talking+kd', weights: { kd: 2 } }),
    /talking\+kd config:\n {2}weights\.kd: .*<=1/,
  );
});

test('every method that uses a teacher takes the random-teacher control', () => {
  for (const name of ['kd', 'fitnet', 'rkd', 'dkd', 'takd', 'talking', 'talking+kd']) {
    const config = parseMethodConfig({ name, teacher: { init: 'random' } }) as { teacher: { init: string } };
    assert.equal(config.teacher.init, 'random', name);
  }
  assert.throws(
    () => parseMethodConfig({ name: 'student', teacher: { init: 'random' } }),
    /teacher: unknown field/,
  );
  assert.throws(
    () => parseMethodConfig({ name: 'kd', teacher: { init: 'fresh' } }),
    /teacher\.init: .*"pretrained"\|"random"/,
  );
});

test('a bad config names each bad field and what it allows', () => {
  const message = (input: unknown) => {
    try {
      parseMethodConfig(input);
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail(`accepted ${JSON.stringify(input)}`);
  };
  assert.equal(
    message({ name: 'talking', mesageSize: 16, teacher: { mode: 'fine' } }),
    [
      'Invalid talking config:',
      '  teacher.mode: Invalid option: expected one of "frozen"|"finetune"',
      '  mesageSize: unknown field; expected one of name, messageSize, channel, layers, answerAt, reading, ' +
        'scTeacher, translator, weights, temperature, teacherHead, distance, handshakeEpochs, teacher, ' +
        'answerGradients, interactTask',
    ].join('\n'),
  );
  assert.match(
    message({ name: 'talking', weights: { w1: 1 } }),
    /weights\.w1: unknown field; expected one of interact, mc, sc, kd/,
  );
  assert.match(message({ name: 'talking', reading: 'sum' }), /reading: .*"none"\|"residual"\|"concat"/);
  assert.match(
    message({ name: 'talking', distance: 'l1' }),
    /distance: .*expected one of "mse"\|"cosine"\|"smoothL1"/,
  );
  assert.match(
    message({ name: 'talking', channel: { pooling: 'max' } }),
    /channel\.pooling: .*"average"\|"flatten"/,
  );
  assert.match(message({ name: 'talking', layers: [{ student: 'a', teacher: 'b' }] }), /layers: .*>=2 items/);
  assert.match(message({ name: 'kd', alpha: 2 }), /alpha: .*<=1/);
  assert.match(message({ name: 'kd', teacherHead: 'new' }), /teacherHead: .*"auto"\|"finetune"\|"keep"/);
  assert.match(
    message({ name: 'distil' }),
    /name: expected one of student, kd, fitnet, rkd, dkd, takd, talking, talking\+kd, got "distil"/,
  );
  assert.match(message(null), /name: expected one of .*, got undefined/);
});
