import { UsageError } from '../errors.js';
import { shownPath } from '../files/fs-errors.js';
import { openUserFile } from '../files/user-file.js';

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
      yield* fileBytes(entry.source, size);
      const rest = padded(size) - size;
      if (rest > 0) yield Buffer.alloc(rest);
    }
  }
  yield Buffer.alloc(2 * BLOCK);
}

/**
 * Exactly `size` bytes of the file at `source`, which must still be the regular file it was when
 * the entry was made: opened without blocking (a FIFO swapped in is refused, never waited on) and
 * without following a link in its last part, and checked before and after the read. A file that
 * grows, shrinks or is written to meanwhile fails the stream, so no tar with a torn file (or a
 * size header that lies) is ever finished.
 */
async function* fileBytes(source: string, size: number): AsyncGenerator<Buffer> {
  const { handle, stats } = await openUserFile(
    source,
    { file: source, what: `file ${shownPath(source)}` },
    { noFollow: true, maxBytes: Number.POSITIVE_INFINITY },
  );
  try {
    if (stats.size !== size) throw changed(source, size, `it is now ${stats.size} bytes`);
    let read = 0;
    while (read < size) {
      const length = Math.min(READ_CHUNK, size - read);
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(chunk, 0, length, read);
      if (bytesRead === 0) throw changed(source, size, `${read} of ${size} bytes read`);
      read += bytesRead;
      yield bytesRead === length ? chunk : chunk.subarray(0, bytesRead);
    }
    const after = await handle.stat();
    if (after.size !== size || after.mtimeMs !== stats.mtimeMs || after.ctimeMs !== stats.ctimeMs)
      throw changed(source, size, 'it was written to during the read');
  } finally {
    await handle.close();
  }
}

function changed(source: string, size: number, why: string): UsageError {
  return new UsageError(
    `${shownPath(source)} changed while it was being packed (${size} bytes when listed; ${why})`,
    { hint: 'Do not write the model or code files while the image is built, then build again.' },
  );
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
