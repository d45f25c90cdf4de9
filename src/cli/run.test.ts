import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCores } from './run.js';

test('jobs x threads up to the cores is accepted', () => {
  checkCores(2, 1, 2);
  checkCores(1, 2, 2);
  checkCores(2, 2, 4);
});

test('more jobs x threads than cores is refused, saying how to split the cores', () => {
  assert.throws(
    () => checkCores(2, 2, 2),
    /--jobs 2 with 2 threads each needs 4 cores; this machine has 2\. Use --jobs 2 --threads 1, or --jobs 1 --threads 2 \(--threads defaults to TALKING_MODELS_THREADS, else the cores \/ --jobs\)/,
  );
  assert.throws(() => checkCores(1, 2, 1), /needs 2 cores; this machine has 1\. Use --jobs 1 --threads 1 /);
});
