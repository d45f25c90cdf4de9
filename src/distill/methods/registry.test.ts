import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METHOD_NAMES, METHODS, methodsFor, parseMethodConfig, usesTeacherHead } from './registry.js';

test('each registry entry is keyed by the name its config carries', () => {
  for (const name of METHOD_NAMES) {
    assert.equal(parseMethodConfig({ name }).name, name);
    assert.equal(typeof METHODS[name].create, 'function');
  }
});

test('the method names and the per-task lists come from the registry', () => {
  assert.deepEqual(METHOD_NAMES, Object.keys(METHODS));
  assert.deepEqual(methodsFor('classification'), METHOD_NAMES);
  assert.deepEqual(
    methodsFor('regression'),
    METHOD_NAMES.filter((name) => name !== 'dkd'),
  );
  assert.throws(
    () => parseMethodConfig({ name: 'nope' }),
    new RegExp(`expected one of ${METHOD_NAMES.join(', ').replaceAll('+', '\\+')}`),
  );
});

test("a method whose settings have a teacherHead says when its targets come from the teacher's head", () => {
  const uses = METHOD_NAMES.filter((name) => usesTeacherHead(parseMethodConfig({ name })));
  assert.deepEqual(uses, ['kd', 'dkd', 'takd', 'talking+kd']);
  assert.equal(usesTeacherHead(parseMethodConfig({ name: 'talking', weights: { kd: 0.3 } })), true);
  assert.equal(usesTeacherHead(parseMethodConfig({ name: 'talking+kd', weights: { kd: 0 } })), false);
  for (const name of METHOD_NAMES) {
    if ('teacherHead' in parseMethodConfig({ name }))
      assert.ok(METHODS[name].usesTeacherHead, `${name} has a teacherHead setting but no usesTeacherHead`);
  }
});

test('each method has a colour of its own', () => {
  const colours = METHOD_NAMES.map((name) => METHODS[name].colour);
  assert.ok(colours.every((c) => /^#[0-9a-f]{6}$/.test(c)));
  assert.equal(new Set(colours).size, colours.length);
});
