import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tar from 'tar';
import yazl from 'yazl';
import { locateDataset, type Fetcher } from './download.js';
import type { DatasetSource } from './sources.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-dl-'));
});
after(() => rm(root, { recursive: true, force: true }));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    zip.outputStream
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const zipSource: DatasetSource = {
  folder: 'toy',
  url: 'https://example.invalid/toy.zip',
  archive: 'zip',
  archiveFolder: 'toy',
  required: ['a.txt'],
  fileSha256: { 'a.txt': sha256('hello') },
};

function serving(bytes: Buffer, calls: string[] = []): Fetcher {
  return async (url) => {
    calls.push(url);
    return new Uint8Array(bytes);
  };
}

test('a dataset in --data-dir is used as it is, without downloading', async () => {
  const dataDir = join(root, 'given');
  await mkdir(join(dataDir, 'toy'), { recursive: true });
  await writeFile(join(dataDir, 'toy', 'a.txt'), 'local');
  const calls: string[] = [];
  const dir = await locateDataset(
    'toy',
    { dataDir, cacheDir: join(root, 'c0'), fetcher: serving(Buffer.alloc(0), calls) },
    zipSource,
  );
  assert.equal(dir, join(dataDir, 'toy'));
  assert.deepEqual(calls, []);
});

test('a missing dataset downloads into the cache, is verified, and is reused', async () => {
  const cacheDir = join(root, 'cache1');
  const calls: string[] = [];
  const fetcher = serving(await zipOf({ 'toy/a.txt': 'hello', 'toy/b.txt': 'more' }), calls);
  const dir = await locateDataset('toy', { cacheDir, fetcher }, zipSource);
  assert.equal(dir, join(cacheDir, 'toy'));
  assert.equal(await readFile(join(dir, 'b.txt'), 'utf8'), 'more');
  await locateDataset('toy', { cacheDir, fetcher }, zipSource);
  assert.equal(calls.length, 1, 'the second call finds the cached copy');
  assert.deepEqual(await readdir(cacheDir), ['toy'], 'no temporary folders are left');
});

test('a download whose checksum does not match leaves nothing behind and says what to do', async () => {
  const cacheDir = join(root, 'cache2');
  const fetcher = serving(await zipOf({ 'toy/a.txt': 'tampered' }));
  await assert.rejects(
    locateDataset('toy', { cacheDir, fetcher }, zipSource),
    /checksum mismatch for a\.txt from https:\/\/example\.invalid\/toy\.zip.*Download https:\/\/example\.invalid\/toy\.zip yourself and unpack it so that a\.txt are in/,
  );
  assert.ok(!existsSync(join(cacheDir, 'toy')));
  assert.deepEqual(await readdir(cacheDir), []);
});

test('an archive MD5 mismatch (a partial download) is refused; tar.gz archives unpack', async () => {
  const src = join(root, 'tarsrc');
  await mkdir(join(src, 'bin'), { recursive: true });
  await writeFile(join(src, 'bin', 'meta.txt'), 'cat\ndog\n');
  const archive = join(root, 'toy.tar.gz');
  await tar.c({ gzip: true, file: archive, cwd: src }, ['bin']);
  const bytes = await readFile(archive);
  const source: DatasetSource = {
    folder: 'bin',
    url: 'https://example.invalid/toy.tar.gz',
    archive: 'tar.gz',
    archiveFolder: 'bin',
    required: ['meta.txt'],
    archiveMd5: createHash('md5').update(bytes).digest('hex'),
  };
  await assert.rejects(
    locateDataset('bin', { cacheDir: join(root, 'cache3'), fetcher: serving(bytes.subarray(0, 40)) }, source),
    /checksum mismatch for https:\/\/example\.invalid\/toy\.tar\.gz: MD5 [0-9a-f]+, expected/,
  );
  const dir = await locateDataset('bin', { cacheDir: join(root, 'cache3'), fetcher: serving(bytes) }, source);
  assert.equal(await readFile(join(dir, 'meta.txt'), 'utf8'), 'cat\ndog\n');
});

test('offline: a failed fetch or a dataset without a download gives the folder to fill', async () => {
  const offline: Fetcher = async () => {
    throw new Error('getaddrinfo ENOTFOUND example.invalid');
  };
  await assert.rejects(
    locateDataset('toy', { cacheDir: join(root, 'cache4'), fetcher: offline }, zipSource),
    /download failed \(getaddrinfo ENOTFOUND example\.invalid\)/,
  );
  await assert.rejects(
    locateDataset('ml-latest', { dataDir: join(root, 'nowhere') }),
    /Dataset ml-latest not found: put its files in .*nowhere\/ml-latest( or [^ ]+)? \(set --data-dir or TALKING_MODELS_DATA_DIR/,
  );
  await assert.rejects(
    locateDataset('toy', { cacheDir: join(root, 'cache5'), download: false }, zipSource),
    /Dataset toy not found: put a\.txt in/,
  );
});
