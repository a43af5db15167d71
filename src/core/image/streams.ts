import type { Hash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';

/** Drops the first `offset` bytes of a byte stream (resuming an upload regenerates the stream). */
export async function* skipBytes(
  source: AsyncIterable<Uint8Array>,
  offset: number,
): AsyncGenerator<Uint8Array> {
  let toSkip = offset;
  for await (const chunk of source) {
    if (toSkip >= chunk.length) {
      toSkip -= chunk.length;
      continue;
    }
    yield toSkip > 0 ? chunk.subarray(toSkip) : chunk;
    toSkip = 0;
  }
}

/** Feeds every chunk to `hash` on its way through; `done` runs after the last one. */
export async function* tee(
  source: AsyncIterable<Uint8Array>,
  hash: Hash,
  done?: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.length;
    yield chunk;
  }
  done?.(bytes);
}

/**
 * Gzip whose header never varies: mtime 0 (zlib's default) and the OS byte set to 255
 * ("unknown") so the bytes do not depend on the machine that wrote them. The deflate
 * stream itself depends on the zlib build: see the note in the report on Node versions.
 */
export async function* deterministicGzip(
  source: AsyncIterable<Uint8Array>,
  level: number,
): AsyncGenerator<Uint8Array> {
  const gzip = createGzip({ level, chunkSize: 256 * 1024 });
  pipeline(Readable.from(source, { objectMode: false }), gzip, () => undefined);
  let first = true;
  for await (const chunk of gzip as AsyncIterable<Buffer>) {
    if (first && chunk.length > 9) {
      chunk[9] = 0xff;
      first = false;
    }
    yield chunk;
  }
}

export async function* fromBuffer(bytes: Uint8Array, offset = 0): AsyncGenerator<Uint8Array> {
  if (offset < bytes.length) yield bytes.subarray(offset);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}
