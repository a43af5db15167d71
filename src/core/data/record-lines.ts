import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The line each wanted record starts on, counted as DuckDB reads the file: a quoted CSV value
 * may span lines, and blank lines hold no record. `records` are 1-based data rows (the header,
 * when there is one, is not counted); `quote` is undefined for JSON lines, where a string
 * cannot hold a raw newline. Reads only as far as the last wanted record. Returns undefined
 * for a compression Node cannot read (zstd), where the caller keeps row-based numbers.
 */
export async function recordLines(
  path: string,
  records: readonly number[],
  options: { header: boolean; quote?: string },
): Promise<Map<number, number> | undefined> {
  const wanted = new Set(records);
  const last = Math.max(0, ...records);
  const found = new Map<number, number>();
  if (wanted.size === 0) return found;
  if (/\.zst$/i.test(path)) return undefined;
  let stream: Readable = createReadStream(path);
  if (/\.gz$/i.test(path)) stream = stream.pipe(createGunzip());
  const quote = options.quote === undefined ? -1 : options.quote.charCodeAt(0);
  let line = 1;
  let record = options.header ? -1 : 0;
  let atStart = true;
  let quoted = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number;
        if (byte === CARRIAGE_RETURN) continue;
        if (atStart) {
          if (byte === NEWLINE) {
            line++;
            continue;
          }
          atStart = false;
          record++;
          if (wanted.has(record)) found.set(record, line);
          if (record >= last && found.size === wanted.size) return found;
        }
        if (byte === quote) quoted = !quoted;
        else if (byte === NEWLINE) {
          line++;
          if (!quoted) atStart = true;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  return found;
}
