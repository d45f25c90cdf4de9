import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { entryPath } from './entry_path.js';

/**
 * Unpacks a zip file into `into` with yauzl (zip's central directory, ZIP64 and deflate are more
 * than a few lines to get right). Entries stream to disk one at a time.
 */
export async function unzip(archive: string, into: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((done, fail) =>
    yauzl.open(archive, { lazyEntries: true }, (error, file) => (error ? fail(error) : done(file))),
  );
  const openStream = (entry: yauzl.Entry) =>
    new Promise<Readable>((done, fail) =>
      zip.openReadStream(entry, (error, stream) => (error ? fail(error) : done(stream))),
    );
  const extract = async (entry: yauzl.Entry) => {
    const target = entryPath(into, entry.fileName);
    if (entry.fileName.endsWith('/')) return void (await mkdir(target, { recursive: true }));
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await openStream(entry), createWriteStream(target));
  };
  try {
    await new Promise<void>((done, fail) => {
      zip.on('error', fail);
      zip.on('end', done);
      zip.on('entry', (entry: yauzl.Entry) => extract(entry).then(() => zip.readEntry(), fail));
      zip.readEntry();
    });
  } catch (error) {
    // On success yauzl closes the file itself after the last entry.
    zip.close();
    throw error;
  }
}
