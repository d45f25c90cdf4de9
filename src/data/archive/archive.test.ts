import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import * as tar from 'tar';
import { zipOf } from '../../../test/support/zip.js';
import { untarGz } from './untar.js';
import { unzip } from './unzip.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-archive-'));
});
after(() => rm(root, { recursive: true, force: true }));

// Over 100 bytes: node-tar splits this one into a ustar prefix and name...
const LONG = `${'deep/'.repeat(25)}file-with-a-name-longer-than-one-hundred-bytes.txt`;
// ...and writes a pax header for a single component this long.
const LONG_FILE = `${'x'.repeat(120)}.txt`;

test('a .tar.gz written by node-tar unpacks: folders, long names, large entries', async () => {
  const src = join(root, 'src');
  await mkdir(join(src, 'set', ...LONG.split('/').slice(0, -1)), { recursive: true });
  await writeFile(join(src, 'set', 'meta.txt'), 'cat\ndog\n');
  await writeFile(join(src, 'set', LONG), 'long');
  await writeFile(join(src, 'set', LONG_FILE), 'pax');
  const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0x2a);
  await writeFile(join(src, 'set', 'big.bin'), big);
  for (const portable of [false, true]) {
    const archive = join(root, `set-${portable}.tar.gz`);
    await tar.c({ gzip: true, file: archive, cwd: src, portable }, ['set']);
    const into = join(root, `out-${portable}`);
    await untarGz(archive, into);
    assert.equal(await readFile(join(into, 'set', 'meta.txt'), 'utf8'), 'cat\ndog\n');
    assert.equal(await readFile(join(into, 'set', LONG), 'utf8'), 'long');
    assert.equal(await readFile(join(into, 'set', LONG_FILE), 'utf8'), 'pax');
    assert.deepEqual(await readFile(join(into, 'set', 'big.bin')), big);
  }
});

/** A ustar header (a regular file unless `type` says otherwise), with a valid checksum. */
function header(name: string, size: number, type = '0'): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0);
  block.write('0000644\0', 100);
  block.write(size.toString(8).padStart(11, '0') + '\0', 124);
  block.write('        ', 148);
  block.write(type, 156);
  block.write('ustar\x0000', 257);
  const sum = block.reduce((s, b) => s + b, 0);
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return block;
}

const tarOf = (...blocks: Buffer[]) => gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));

test('bad tar archives are refused: escaping paths, corrupt headers, cut-off entries', async () => {
  const body = Buffer.alloc(512);
  body.write('hi');
  const good = join(root, 'good.tar.gz');
  await writeFile(good, tarOf(header('ok.txt', 2), body));
  await untarGz(good, join(root, 'good'));
  assert.equal(await readFile(join(root, 'good', 'ok.txt'), 'utf8'), 'hi', 'the hand-made header is valid');
  // GNU tar's long names: an "L" entry holds the name of the next one.
  const gnu = join(root, 'gnu.tar.gz');
  const name = Buffer.alloc(512);
  name.write(`${LONG_FILE}\0`);
  await writeFile(
    gnu,
    tarOf(header('././@LongLink', LONG_FILE.length + 1, 'L'), name, header('short', 2), body),
  );
  await untarGz(gnu, join(root, 'gnu'));
  assert.equal(await readFile(join(root, 'gnu', LONG_FILE), 'utf8'), 'hi');
  const cases: [Buffer, RegExp][] = [
    [
      tarOf(header('../evil.txt', 2), body),
      /bad0\.tar\.gz: cannot unpack \(TAR_ENTRY_ERROR: path contains '\.\.'\)/,
    ],
    [
      tarOf(header('/etc/evil.txt', 2), body),
      /cannot unpack \(TAR_ENTRY_INFO: stripping \/ from absolute path\)/,
    ],
    [
      tarOf(header('ok.txt', 2).fill(0x70, 0, 1), body),
      /cannot unpack \(TAR_ENTRY_INVALID: checksum failure\)/,
    ],
    [
      gzipSync(Buffer.concat([header('ok.txt', 2000), body])),
      /cannot unpack \(TAR_BAD_ARCHIVE: Truncated input/,
    ],
    [Buffer.from('not a gzip stream'), /cannot unpack \(TAR_BAD_ARCHIVE: Unrecognized archive format\)/],
  ];
  for (const [k, [bytes, message]] of cases.entries()) {
    const archive = join(root, `bad${k}.tar.gz`);
    await writeFile(archive, bytes);
    await assert.rejects(untarGz(archive, join(root, `bad-out${k}`)), message);
  }
  assert.ok(!existsSync(join(root, 'evil.txt')));
});

test('a zip unpacks entry by entry; a garbled zip is an error', async () => {
  const archive = join(root, 'set.zip');
  await writeFile(archive, await zipOf({ 'set/a.txt': 'alpha', 'set/sub/b.txt': 'beta' }));
  await unzip(archive, join(root, 'zip-out'));
  assert.equal(await readFile(join(root, 'zip-out', 'set', 'sub', 'b.txt'), 'utf8'), 'beta');
  await writeFile(archive, (await zipOf({ 'set/a.txt': 'alpha' })).subarray(0, 40));
  await assert.rejects(
    unzip(archive, join(root, 'zip-bad')),
    /End of central directory record signature not found/,
  );
});
