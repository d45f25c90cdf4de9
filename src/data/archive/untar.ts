import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { entryPath } from './entry_path.js';

const BLOCK = 512;

/** Reads exact byte counts from a stream of chunks, copying only when a read spans chunks. */
class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** `n` bytes, or undefined when the stream has ended cleanly before them. */
  async read(n: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (this.offset === this.chunk.length) {
        const next = await this.source.next();
        if (next.done) break;
        [this.chunk, this.offset] = [next.value, 0];
        continue;
      }
      const take = Math.min(need, this.chunk.length - this.offset);
      parts.push(this.chunk.subarray(this.offset, this.offset + take));
      this.offset += take;
      need -= take;
    }
    if (need === n) return undefined;
    if (need > 0) throw new Error(`the archive ends inside an entry (${n - need} of ${n} bytes)`);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

/** A NUL- or space-terminated text field of a header. */
function text(header: Buffer, from: number, length: number): string {
  const end = header.indexOf(0, from);
  return header.toString('utf8', from, end >= from && end < from + length ? end : from + length);
}

/** An octal number field; tar's base-256 form only occurs for sizes above 8 GB, which no dataset here has. */
function octal(header: Buffer, from: number, length: number, at: number): number {
  const field = text(header, from, length).trim();
  if (!/^[0-7]*$/.test(field))
    throw new Error(`corrupt tar header at byte ${at}: "${field}" is not an octal number`);
  return parseInt(field || '0', 8);
}

/** Checks a header's checksum: the sum of its bytes with the checksum field counted as spaces. */
function checkHeader(header: Buffer, at: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (sum !== octal(header, 148, 8, at))
    throw new Error(`corrupt tar header at byte ${at} (checksum mismatch)`);
}

/** The "path" record of a pax extended header ("<length> path=<name>\n" records). */
function paxPath(body: Buffer): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
}

/**
 * Unpacks a .tar.gz into `into` with Node's zlib and a reader for the parts of tar that published
 * datasets use: regular files and folders, ustar name prefixes, GNU long names and pax paths.
 * Links and devices are skipped (a dataset has no use for them, and links could point anywhere).
 */
export async function untarGz(archive: string, into: string): Promise<void> {
  const source = pipeline(createReadStream(archive), createGunzip(), () => {});
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let longName: string | undefined;
  for (let at = 0; ;) {
    const header = await reader.read(BLOCK);
    if (!header || header.every((b) => b === 0)) return;
    checkHeader(header, at);
    const size = octal(header, 124, 12, at);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const prefix = text(header, 257, 6) === 'ustar' ? text(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const body = padded > 0 ? await reader.read(padded) : Buffer.alloc(0);
    if (!body) throw new Error(`the archive ends inside the entry "${name}"`);
    at += BLOCK + padded;
    longName = undefined;
    if (type === 'L') longName = text(body, 0, size);
    else if (type === 'x') longName = paxPath(body.subarray(0, size));
    else if (type === '5') await mkdir(entryPath(into, name), { recursive: true });
    else if (type === '0' || type === '7') {
      const target = entryPath(into, name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, body.subarray(0, size));
    }
  }
}
