import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from './canonical_json.js';

test('key order does not change the text; array order and values do', () => {
  const a = canonicalJson({ b: 1, a: { d: [2, 1], c: 'x' } });
  assert.equal(a, '{"a":{"c":"x","d":[2,1]},"b":1}');
  assert.equal(canonicalJson({ a: { c: 'x', d: [2, 1] }, b: 1 }), a);
  assert.notEqual(canonicalJson({ a: { c: 'x', d: [1, 2] }, b: 1 }), a);
});
