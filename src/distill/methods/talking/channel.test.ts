import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../engine/backend.js';
import { buildEncoder, MAX_DEFAULT_WIDTH } from './channel.js';

before(() => initBackend('cpu'));

const shape = { messageSize: 32, depth: 2, decoderGrid: 4 };

test('a flattened feature map gets a capped default hidden width; an explicit width is kept', () => {
  // 8x8x32 flattens to 2048 values: the uncapped default would be a 2048x2048 hidden layer.
  const capped = buildEncoder([8, 8, 32], { ...shape, pooling: 'flatten' }, 1, 'capped');
  assert.equal(capped.getLayer('capped_dense_1').getConfig().units, MAX_DEFAULT_WIDTH);
  assert.equal(capped.countParams(), 2048 * 1024 + 1024 + 1024 * 32 + 32);
  const pooled = buildEncoder([8, 8, 32], { ...shape, pooling: 'average' }, 1, 'pooled');
  assert.equal(pooled.getLayer('pooled_dense_1').getConfig().units, 32, 'max(dim, m) below the cap');
  const wide = buildEncoder([8, 8, 32], { ...shape, pooling: 'flatten', width: 1500 }, 1, 'wide');
  assert.equal(wide.getLayer('wide_dense_1').getConfig().units, 1500);
  [capped, pooled, wide].forEach((m) => m.dispose());
});
