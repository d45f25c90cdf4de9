import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METHOD_NAMES, METHODS, methodsFor, parseMethodConfig } from './registry.js';

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
