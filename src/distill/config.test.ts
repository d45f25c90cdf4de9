import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TalkingConfig } from './config.js';
import { parseMethodConfig } from './methods/registry.js';

test('defaults are those of method.md and the papers', () => {
  assert.deepEqual(parseMethodConfig({ name: 'talking' }), {
    name: 'talking',
    messageSize: 32,
    channel: { depth: 2, pooling: 'average', decoderGrid: 4 },
    weights: { interact: 1, mc: 0.1, sc: 0.1 },
    distance: 'mse',
    handshakeEpochs: 0,
    teacher: { mode: 'frozen', lrMultiplier: 0.1 },
    answerGradients: true,
    interactTask: true,
  });
  assert.deepEqual(parseMethodConfig({ name: 'rkd' }), {
    name: 'rkd',
    distanceWeight: 25,
    angleWeight: 50,
    relationSize: 64,
  });
  assert.deepEqual(parseMethodConfig({ name: 'dkd' }), {
    name: 'dkd',
    alpha: 1,
    beta: 8,
    temperature: 4,
    warmupEpochs: 5,
    teacherHead: 'auto',
  });
  assert.deepEqual(parseMethodConfig({ name: 'kd' }), {
    name: 'kd',
    temperature: 4,
    alpha: 0.5,
    teacherHead: 'auto',
  });
  // A partly given nested object keeps the defaults of the rest.
  const { weights } = parseMethodConfig({ name: 'talking', weights: { mc: 0 } }) as TalkingConfig;
  assert.deepEqual(weights, {
    interact: 1,
    mc: 0,
    sc: 0.1,
  });
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
      '  mesageSize: unknown field; expected one of name, messageSize, channel, layers, weights, distance, ' +
        'handshakeEpochs, teacher, answerGradients, interactTask',
    ].join('\n'),
  );
  assert.match(
    message({ name: 'talking', weights: { w1: 1 } }),
    /weights\.w1: unknown field; expected one of interact, mc, sc/,
  );
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
    /name: expected one of student, kd, fitnet, rkd, dkd, takd, talking, got "distil"/,
  );
  assert.match(message(null), /name: expected one of .*, got undefined/);
});
