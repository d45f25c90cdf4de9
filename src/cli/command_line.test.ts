import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portableCommand } from './command_line.js';
import { portableConfig } from '../util/paths.js';

test('a report command names no folder of the machine: relative paths inside the working folder, placeholders outside', () => {
  assert.equal(
    portableCommand(
      [
        'run',
        'image-transfer',
        '--data-dir',
        '../../shared/data',
        '--cache-dir',
        '/work/runs/cache',
        '--out=/home/me/e2',
        '--config',
        '/work/main/configs/e2.json',
        '--dataset',
        'folder:/data/images',
        '--genres',
        'Action',
      ],
      '/work/main',
    ),
    'talking-models run image-transfer --data-dir ../../shared/data --cache-dir <cache-dir> --out=<out> ' +
      '--config configs/e2.json --dataset folder:<folder> --genres Action',
  );
  assert.equal(
    portableCommand(['run', 'x', '--out', '/work/main'], '/work/main'),
    'talking-models run x --out .',
  );
});

test('a config written into a report names no folder of the machine either', () => {
  assert.deepEqual(
    portableConfig(
      { dataset: 'folder:/data/images', out: '/work/main/runs/x', genres: ['Action'], seeds: 3 },
      '/work/main',
    ),
    { dataset: 'folder:<folder>', out: 'runs/x', genres: ['Action'], seeds: 3 },
  );
});
