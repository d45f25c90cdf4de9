import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tar from 'tar';
import { locateDataset } from './download.js';
import type { Fetcher } from './fetch.js';
import type { DatasetSource } from './sources.js';
import { zipOf } from '../../test/support/zip.js';
import { skipWithoutRealData } from '../../test/support/real_data.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-dl-'));
});
after(() => rm(root, { recursive: true, force: true }));

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A dataset "toy" whose published archive is `published`. */
function toySource(published: Buffer, format: 'zip' | 'tar.gz' = 'zip'): DatasetSource {
  return {
    folder: 'toy',
    required: ['a.txt', ['b.txt', 'b.txt.gz']],
    download: {
      url: `https://example.invalid/toy.${format}`,
      format,
      folder: 'toy',
      bytes: published.length,
      sha256: sha256(published),
    },
    fileSha256: { 'a.txt': sha256('hello') },
  };
}

/** A local fake of the network: serves `bytes` in small chunks, recording the URLs asked for. */
function serving(
  bytes: Buffer,
  options: { calls?: string[]; length?: number; cutAt?: number } = {},
): Fetcher {
  return async (url) => {
    options.calls?.push(url);
    const end = options.cutAt ?? bytes.length;
    return {
      length: options.length ?? bytes.length,
      body: (async function* () {
        for (let at = 0; at < end; at += 100)
          yield new Uint8Array(bytes.subarray(at, Math.min(end, at + 100)));
      })(),
    };
  };
}

const offline: Fetcher = async () => {
  throw new Error('getaddrinfo ENOTFOUND example.invalid');
};

async function withEnv<T>(name: string, value: string | undefined, run: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

async function dataset(dir: string): Promise<string> {
  await mkdir(join(dir, 'toy'), { recursive: true });
  await writeFile(join(dir, 'toy', 'a.txt'), 'local');
  await writeFile(join(dir, 'toy', 'b.txt.gz'), 'local');
  return dir;
}

test('the data directory: --data-dir alone when given, else TALKING_MODELS_DATA_DIR, then the cache; never a download', async () => {
  const source = toySource(await zipOf({}));
  const given = await dataset(join(root, 'given'));
  const env = await dataset(join(root, 'env'));
  const cached = await dataset(join(root, 'cached'));
  const calls: string[] = [];
  const fetcher = serving(Buffer.alloc(0), { calls });
  const locate = (dataDir?: string) => locateDataset('toy', { dataDir, cacheDir: cached, fetcher }, source);
  await withEnv('TALKING_MODELS_DATA_DIR', env, async () => {
    assert.equal(await locate(given), join(given, 'toy'));
    assert.equal(
      await locate(join(given, 'toy')),
      join(given, 'toy'),
      '--data-dir may name the dataset folder',
    );
    assert.equal(await locate(), join(env, 'toy'));
    await assert.rejects(
      locate(join(root, 'empty')),
      new RegExp(
        `^Error: Dataset toy not found in --data-dir ${root}/empty: put a\\.txt, b\\.txt \\(or b\\.txt\\.gz\\) in ${root}/empty/toy`,
      ),
      'a --data-dir without it is an error, not a reason to read another copy',
    );
    await mkdir(join(root, 'partial', 'toy'), { recursive: true });
    await writeFile(join(root, 'partial', 'toy', 'b.txt'), 'local');
    await assert.rejects(
      locate(join(root, 'partial')),
      new RegExp(`^Error: Dataset toy in --data-dir ${root}/partial/toy is incomplete: a\\.txt missing$`),
    );
    await assert.rejects(locate(join(root, 'partial', 'toy')), /partial\/toy is incomplete: a\.txt missing$/);
  });
  await withEnv('TALKING_MODELS_DATA_DIR', undefined, async () => {
    assert.equal(await locate(), join(cached, 'toy'));
    await assert.rejects(
      locateDataset('toy', { cacheDir: join(root, 'partial'), fetcher }, source),
      /^Error: Dataset toy in --cache-dir .*partial\/toy is incomplete: a\.txt missing; remove that folder to download it again$/,
      'a partial copy in a named cache is neither downloaded over nor read elsewhere',
    );
    await withEnv('TALKING_MODELS_CACHE_DIR', env, async () => {
      assert.equal(await locateDataset('toy', { fetcher }, source), join(env, 'toy'));
    });
  });
  assert.deepEqual(calls, []);
});

test('a missing dataset downloads into the cache, is verified, and is reused', async () => {
  const cacheDir = join(root, 'cache1');
  const archive = await zipOf({ 'toy/a.txt': 'hello', 'toy/b.txt': 'more' });
  const calls: string[] = [];
  const lines: string[] = [];
  const location = { cacheDir, fetcher: serving(archive, { calls }), log: (l: string) => lines.push(l) };
  const dir = await withEnv('TALKING_MODELS_DATA_DIR', undefined, () =>
    locateDataset('toy', location, toySource(archive)),
  );
  assert.equal(dir, join(cacheDir, 'toy'));
  assert.equal(await readFile(join(dir, 'b.txt'), 'utf8'), 'more');
  assert.match(lines[0], /downloading toy \(0\.0 MB\) from https:\/\/example\.invalid\/toy\.zip/);
  await withEnv('TALKING_MODELS_DATA_DIR', undefined, () =>
    locateDataset('toy', location, toySource(archive)),
  );
  assert.equal(calls.length, 1, 'the second call finds the cached copy');
  assert.deepEqual(await readdir(cacheDir), ['toy'], 'no temporary files are left');
});

test('a .tar.gz download unpacks with the required files', async () => {
  const src = join(root, 'tarsrc');
  await mkdir(join(src, 'toy'), { recursive: true });
  await writeFile(join(src, 'toy', 'a.txt'), 'hello');
  await writeFile(join(src, 'toy', 'b.txt.gz'), 'gz');
  const file = join(root, 'toy.tar.gz');
  await tar.c({ gzip: true, file, cwd: src }, ['toy']);
  const archive = await readFile(file);
  const cacheDir = join(root, 'cache-tar');
  const dir = await withEnv('TALKING_MODELS_DATA_DIR', undefined, () =>
    locateDataset('toy', { cacheDir, fetcher: serving(archive) }, toySource(archive, 'tar.gz')),
  );
  assert.equal(await readFile(join(dir, 'b.txt.gz'), 'utf8'), 'gz');
});

test('bad downloads leave nothing in the cache and say how to get the data by hand', async () => {
  const good = await zipOf({ 'toy/a.txt': 'hello', 'toy/b.txt': 'x' });
  const tampered = await zipOf({ 'toy/a.txt': 'HELLO', 'toy/b.txt': 'x' });
  const lacking = await zipOf({ 'toy/a.txt': 'hello' });
  const cases: [string, Buffer, Fetcher, RegExp][] = [
    [
      'archive checksum',
      good,
      serving(tampered),
      /checksum mismatch for https:\/\/example\.invalid\/toy\.zip: SHA-256 [0-9a-f]{64}, expected/,
    ],
    [
      'cut-off transfer',
      good,
      serving(good, { cutAt: 150 }),
      /incomplete download of https:\/\/example\.invalid\/toy\.zip: received 150 of \d+ bytes/,
    ],
    ['announced length', good, serving(good, { length: 10 }), /toy\.zip is 10 bytes but \d+ were published/],
    [
      'overlong transfer',
      good,
      serving(Buffer.concat([good, good]), { length: good.length }),
      /sends more than the published \d+ bytes/,
    ],
    [
      'file checksum',
      tampered,
      serving(tampered),
      /checksum mismatch for a\.txt in https:\/\/example\.invalid\/toy\.zip/,
    ],
    [
      'missing file',
      lacking,
      serving(lacking),
      /toy\.zip does not hold toy\/ with a\.txt, b\.txt \(or b\.txt\.gz\)/,
    ],
    ['offline', good, offline, /download failed \(getaddrinfo ENOTFOUND example\.invalid\)/],
  ];
  for (const [what, published, fetcher, message] of cases) {
    const cacheDir = join(root, `cache-${what.replace(/\W/g, '_')}`);
    const attempt = withEnv('TALKING_MODELS_DATA_DIR', undefined, () =>
      locateDataset('toy', { cacheDir, fetcher }, toySource(published)),
    );
    await assert.rejects(attempt, message, what);
    await assert.rejects(
      attempt,
      new RegExp(
        'To work offline, download https://example\\.invalid/toy\\.zip, unpack it and put a\\.txt, b\\.txt \\(or b\\.txt\\.gz\\) in ' +
          `${cacheDir}/toy, or point --data-dir or TALKING_MODELS_DATA_DIR at the folder that holds toy/\\.$`,
      ),
      what,
    );
    assert.deepEqual(await readdir(cacheDir), [], `${what}: nothing is left behind`);
  }
});

test('without downloads, or without a published archive, the error says which files go where', async () => {
  const dataDir = join(root, 'nowhere');
  await withEnv('TALKING_MODELS_DATA_DIR', undefined, async () => {
    await assert.rejects(
      locateDataset('ml-latest', { cacheDir: dataDir }),
      new RegExp(
        `^Error: Dataset ml-latest not found: put movies\\.csv, ratings\\.csv in ${dataDir}/ml-latest, or point`,
      ),
    );
    await assert.rejects(
      locateDataset('cifar-10', { cacheDir: dataDir, download: false, fetcher: offline }),
      /Dataset cifar-10 not found \(downloads are off\): download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz, unpack it and put batches\.meta\.txt, test_batch\.bin \(or test_batch\.bin\.gz\) in .*nowhere\/cifar-10-batches-bin/,
    );
  });
  await assert.rejects(
    locateDataset('mnist'),
    /Unknown dataset "mnist"; expected one of ml-100k, ml-1m, ml-latest-small, ml-latest, cifar-10/,
  );
});

const realRoot = process.env.TALKING_MODELS_DATA_DIR;
test(
  'the shared data is found through TALKING_MODELS_DATA_DIR',
  { skip: skipWithoutRealData('ml-100k') },
  async () => {
    for (const name of ['ml-100k', 'cifar-10']) {
      const dir = await locateDataset(name, { download: false });
      assert.ok(existsSync(dir) && dir.startsWith(realRoot!), `${name} at ${dir}`);
    }
  },
);
