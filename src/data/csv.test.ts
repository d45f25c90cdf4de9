import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readCsv, labelled } from './csv.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tm-csv-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function csv(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

test('numeric columns become one input vector in header order, the target its own column', async () => {
  const file = await csv('ok.csv', 'a,y,"b"\n1,0.5,2\n3,1.5,"4"\n\n5,2.5,6\n');
  const data = await readCsv(file, { target: 'y' });
  assert.deepEqual(data.features, ['a', 'b']);
  assert.deepEqual(Array.from(data.inputs[0].values), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(labelled(data).target.values), [0.5, 1.5, 2.5]);
  const classes = await readCsv(file, { target: 'a', task: 'classification', features: ['b'] });
  assert.equal(classes.target!.dtype, 'int32');
  assert.deepEqual(Array.from(classes.inputs[0].values), [2, 4, 6]);
});

test('bad CSVs are refused naming the file, the line and the column', async () => {
  const cases: [string, string, object, RegExp][] = [
    ['empty.csv', '', {}, /empty\.csv: empty; expected a header line/],
    ['header.csv', 'a,b\n', {}, /header\.csv: has a header line but no rows/],
    [
      'text.csv',
      'a,y\n1,2\nred,3\n',
      { target: 'y' },
      /text\.csv line 3: column "a" is not numeric \("red"\)/,
    ],
    [
      'missing.csv',
      'a,y\n1,2\n,3\n4,NA\n5,6\n',
      { target: 'y' },
      /missing\.csv: missing values on line 3, 4; fill or remove/,
    ],
    [
      'target.csv',
      'a,y\n1,2\n',
      { target: 'z' },
      /target\.csv: no target column "z"; the header has "a", "y"/,
    ],
    [
      'float.csv',
      'a,y\n1,2\n1,0.5\n',
      { target: 'y', task: 'classification' },
      /float\.csv line 3: target "y" is 0\.5; class labels/,
    ],
    ['ragged.csv', 'a,y\n1,2\n1,2,3\n', { target: 'y' }, /ragged\.csv: not a valid CSV \(.*line 3/],
  ];
  for (const [name, text, options, message] of cases) {
    const file = await csv(name, text);
    await assert.rejects(readCsv(file, options), (error: Error) => {
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(file), error.message);
      return true;
    });
  }
});
