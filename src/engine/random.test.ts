import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from './random.js';

test('one seed gives one stream; derived streams differ from it', () => {
  const a = new Random(7);
  const b = new Random(7);
  const drawsA = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    drawsA,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => new Random(7).derive('shuffle').next()),
    drawsA,
  );
});

test('a saved state resumes the same stream', () => {
  const a = new Random(3);
  a.next();
  const resumed = new Random(3, a.state());
  assert.equal(resumed.next(), a.next());
});

test('permutation holds every index once', () => {
  const p = Array.from(new Random(1).permutation(100)).sort((x, y) => x - y);
  assert.deepEqual(
    p,
    Array.from({ length: 100 }, (_, i) => i),
  );
});
