import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageTransferConfig } from './config.js';
import { methodInput } from './experiment.js';

test('defaults are E2 of experiments.md: CIFAR-10 halves, 500 a class, ResNet-20 and ResNet-8, 8 methods and the 2 controls, 5 seeds', () => {
  const config = parseImageTransferConfig({});
  assert.deepEqual(config.sourceClasses, ['airplane', 'automobile', 'bird', 'cat', 'deer']);
  assert.deepEqual(config.targetClasses, ['dog', 'frog', 'horse', 'ship', 'truck']);
  assert.equal(config.perClass, 500);
  assert.deepEqual(config.teacher, { widths: [16, 32, 64], blocksPerStage: 3 });
  assert.deepEqual(config.student, { widths: [8, 16, 32], blocksPerStage: 1 });
  assert.equal(config.methods.length, 10);
  assert.equal(config.seeds, 5);
  assert.equal(config.augmentPadding, 4);
});

test('methods that read the teacher head fine-tune a new one: the target classes are other classes', () => {
  const config = parseImageTransferConfig({ variants: { mine: { name: 'kd', alpha: 0.9 } } });
  for (const name of ['kd', 'dkd', 'takd'])
    assert.deepEqual(methodInput(config, name), { name, teacherHead: 'finetune' });
  for (const name of ['student', 'fitnet', 'rkd', 'talking'])
    assert.deepEqual(methodInput(config, name), { name });
  assert.deepEqual(methodInput(config, 'mine'), { name: 'kd', alpha: 0.9 }, 'a variant is taken as written');
  // The kd term of talking+kd and the random-teacher controls are the methods above, and so fine-tune too.
  assert.deepEqual(methodInput(config, 'talking+kd'), { name: 'talking+kd', teacherHead: 'finetune' });
  assert.deepEqual(methodInput(config, 'kd-random-teacher'), {
    name: 'kd',
    teacher: { init: 'random' },
    teacherHead: 'finetune',
  });
  assert.deepEqual(methodInput(config, 'talking-random-teacher'), {
    name: 'talking',
    teacher: { init: 'random' },
  });
});

test('a bad config names the field and what was expected', () => {
  assert.throws(() => parseImageTransferConfig({ perClass: 0 }), /perClass/);
  assert.throws(
    () => parseImageTransferConfig({ dataset: 'imagenet' }),
    /dataset.*"cifar10" or "folder:PATH"/s,
  );
  assert.throws(
    () => parseImageTransferConfig({ sourceClasses: ['a', 'b'], targetClasses: ['b', 'c'] }),
    /targetClasses: b also in sourceClasses/,
  );
  assert.throws(() => parseImageTransferConfig({ methods: ['magic'] }), /"magic" is neither a method/);
  const controls = ['talking+kd', 'talking-random-teacher', 'kd-random-teacher'];
  assert.deepEqual(
    parseImageTransferConfig({ methods: controls }).methods,
    controls,
    'built-in rows need no variant',
  );
});
