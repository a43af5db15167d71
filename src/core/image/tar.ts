import { createReadStream } from 'node:fs';
import { InfraError } from '../errors.js';

/**
 * A deterministic tar writer: the caller gives entries in their final order; every header has
 * mtime 0, uid/gid 0, no user names, and the mode given. Long or non-ASCII paths go in a PAX
 * header. File bytes are streamed, never held whole in memory.
 */

export interface TarEntry {
  /** Path inside the archive, relative, `/`-separated; directories without a trailing slash. */
  path: string;
  type: 'file' | 'dir';
  mode: number;
  /** File size in bytes. */
  size?: number;
  /** Absolute path of the file to stream. */
  source?: string;
}

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;
const READ_CHUNK = 1 << 20;

export function tarSize(entries: readonly TarEntry[]): number {
  let total = 0;
  for (const entry of entries) {
    const name = entryName(entry);
    const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
    if (needsPax(name, size)) total += BLOCK + padded(Buffer.byteLength(paxBody(name, size)));
    total += BLOCK + padded(size);
  }
  return total + 2 * BLOCK;
}

export async function* tarStream(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    const name = entryName(entry);
    const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
    if (needsPax(name, size)) {
      const body = Buffer.from(paxBody(name, size));
      yield header(paxHeaderName(name), 0o644, body.length, 'x');
      yield padBlock(body);
    }
    yield header(name, entry.mode, size, entry.type === 'dir' ? '5' : '0');
    if (entry.type === 'file' && size > 0) {
      if (!entry.source) throw new Error(`tar entry ${entry.path} has no source`);
      let read = 0;
      for await (const chunk of createReadStream(entry.source, {
        highWaterMark: READ_CHUNK,
        end: size - 1,
      }) as AsyncIterable<Buffer>) {
        read += chunk.length;
        yield chunk;
      }
      if (read !== size) {
        throw new InfraError(
          `${entry.source} changed while it was being packed (${read} of ${size} bytes read)`,
          {
            hint: 'Do not write the model files while the image is built.',
          },
        );
      }
      const rest = padded(size) - size;
      if (rest > 0) yield Buffer.alloc(rest);
    }
  }
  yield Buffer.alloc(2 * BLOCK);
}

function entryName(entry: TarEntry): string {
  return entry.type === 'dir' ? `${entry.path}/` : entry.path;
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function padBlock(body: Buffer): Buffer {
  const out = Buffer.alloc(padded(body.length));
  body.copy(out);
  return out;
}

function needsPax(name: string, size: number): boolean {
  return Buffer.byteLength(name) > 100 || !/^[\x20-\x7e]*$/.test(name) || size > MAX_OCTAL_SIZE;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const base = Buffer.byteLength(body);
  // The length prefix counts its own digits.
  let digits = 1;
  while (String(base + digits).length !== digits) digits += 1;
  return `${base + digits}${body}`;
}

function paxBody(name: string, size: number): string {
  let body = paxRecord('path', name);
  if (size > MAX_OCTAL_SIZE) body += paxRecord('size', String(size));
  return body;
}

function paxHeaderName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `PaxHeaders/${ascii.slice(-80)}`;
}

function header(name: string, mode: number, size: number, type: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  block.write(ascii.length > 100 ? ascii.slice(-100) : ascii, 0, 100, 'ascii');
  writeOctal(block, mode & 0o7777, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, size > MAX_OCTAL_SIZE ? 0 : size, 124, 12);
  writeOctal(block, 0, 136, 12);
  block.write('        ', 148, 8, 'ascii');
  block.write(type, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'ascii');
  writeOctal(block, 0, 329, 8);
  writeOctal(block, 0, 337, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

function writeOctal(block: Buffer, value: number, offset: number, width: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}
