import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { SqlEngine } from './engine.js';
import { refuseLinkOut } from '../files/contained.js';
import { pathListSql, refuseSpecial, singleFile } from './source.js';
import type { DataSource } from './source.js';
import { quoteString } from './sql.js';
import { exactProfileUpTo } from './profile.js';
import { UsageError } from '../errors.js';

/** One file a source reads, as it lies on disk. */
export interface DataFile {
  path: string;
  /** Its size on disk (compressed, when it is). */
  bytes: number;
  compression?: 'gzip' | 'zstd';
}

const GLOB = /[*?[\]{}]/;

/**
 * The files a source reads (globs expanded by DuckDB, as it will read them), each a regular
 * file: a FIFO would block the read forever and a device never ends, so either is refused by
 * name before DuckDB opens it. A path that matches nothing is left to DuckDB's own message.
 */
export async function dataFiles(engine: SqlEngine, source: DataSource): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const entry of source.paths) {
    let paths = [entry];
    if (GLOB.test(entry)) {
      const rows = await engine.query(`SELECT file FROM glob(${quoteString(entry)})`);
      paths = rows.map((row) => String(row['file']));
    }
    for (const path of paths) {
      const info = await stat(path).catch(() => undefined);
      if (!info) continue;
      const shown = singleFile(source) ? source.label : path;
      refuseSpecial(info, shown);
      await refuseLinkOut(source.links, path, shown);
      const compression = /\.(gz|gzip)$/i.test(path)
        ? 'gzip'
        : /\.(zst|zstd)$/i.test(path)
          ? 'zstd'
          : undefined;
      out.push({ path, bytes: info.size, ...(compression ? { compression } : {}) });
    }
  }
  return out;
}

/**
 * How many bytes of text the files hold once decompressed, counted up to `limit`: past it
 * the count stops and returns `limit + 1`, so a small file that inflates to gigabytes costs
 * at most `limit` bytes of decompression here. A gzip trailer's size is modulo 2^32 and can
 * be forged, so the stream itself is counted. Infinity when it cannot be told (a corrupt
 * stream, which DuckDB then names; zstd on a Node without zstd).
 */
async function textBytesUpTo(files: readonly DataFile[], limit: number): Promise<number> {
  let total = 0;
  for (const file of files) {
    if (total > limit) break;
    if (!file.compression) {
      total += file.bytes;
      continue;
    }
    total += await inflatedUpTo(file, limit - total);
  }
  return total > limit ? limit + 1 : total;
}

function decompressor(compression: 'gzip' | 'zstd'): Transform | undefined {
  if (compression === 'gzip') return zlib.createGunzip();
  const zstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  return zstd ? zstd() : undefined;
}

async function inflatedUpTo(file: DataFile, budget: number): Promise<number> {
  const inflate = decompressor(file.compression as 'gzip' | 'zstd');
  if (!inflate) return Number.POSITIVE_INFINITY;
  const input = createReadStream(file.path);
  // A read error must end the loop below, not leave it waiting for data that never comes.
  input.on('error', (error) => inflate.destroy(error));
  let count = 0;
  try {
    input.pipe(inflate);
    for await (const chunk of inflate) {
      count += (chunk as Buffer).length;
      if (count > budget) break;
    }
    return count;
  } catch {
    return Number.POSITIVE_INFINITY;
  } finally {
    input.destroy();
    inflate.destroy();
  }
}

/** Rows times columns a set of Parquet files declares, or Infinity when DuckDB cannot tell. */
async function parquetValues(
  engine: SqlEngine,
  source: DataSource,
  columns: number,
): Promise<number> {
  try {
    const [row] = await engine.query(
      `SELECT sum(num_rows) AS n FROM parquet_file_metadata(${pathListSql(source)})`,
    );
    const rows = Number(row?.['n']);
    return Number.isFinite(rows) ? rows * Math.max(columns, 1) : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Total size on disk of the files (what progress lines count as read). */
export function diskBytes(files: readonly DataFile[]): number {
  return files.reduce((sum, file) => sum + file.bytes, 0);
}

/**
 * Parquet whose rows times columns stay below this get exact profiles: each exact quantile
 * holds its column's values in memory beside DuckDB's limit, whatever the file's size.
 */
const EXACT_PARQUET_VALUES = 32e6;

/**
 * Whether the data is small enough for exact distinct counts and quantiles, decided on what
 * DuckDB will hold, not on the bytes on disk: text by its decompressed size (a 1 MB .csv.gz
 * may hold 1 GiB), Parquet by its size and by the rows and columns it declares.
 */
export async function exactProfileFits(
  engine: SqlEngine,
  source: DataSource,
  files: readonly DataFile[],
  columns: number,
): Promise<boolean> {
  const limit = exactProfileUpTo(source.format);
  if (source.format === 'parquet')
    return (
      diskBytes(files) <= limit &&
      (await parquetValues(engine, source, columns)) <= EXACT_PARQUET_VALUES
    );
  return (await textBytesUpTo(files, limit)) <= limit;
}

/** Deeper than this, JSON is refused before DuckDB reads it (its reader recursed to a crash at ~50,000). */
const MAX_JSON_DEPTH = 1000;

/**
 * Walks JSON files byte by byte (decompressed) and refuses one nested deeper than `maxDepth`,
 * naming its file and line: DuckDB's JSON reader recurses per level, and a file of 50,000
 * nested objects crashed the process. zstd on a Node without zstd is left unchecked.
 */
export async function refuseDeepJson(
  files: readonly DataFile[],
  source: DataSource,
  maxDepth = MAX_JSON_DEPTH,
): Promise<void> {
  if (source.format !== 'json') return;
  for (const file of files) {
    const inflate = file.compression ? decompressor(file.compression) : undefined;
    if (file.compression && !inflate) continue;
    const input = createReadStream(file.path);
    let stream: NodeJS.ReadableStream = input;
    if (inflate) {
      input.on('error', (error) => inflate.destroy(error));
      stream = input.pipe(inflate);
    }
    let depth = 0;
    let inString = false;
    let escaped = false;
    let line = 1;
    let deepAt: number | undefined;
    try {
      outer: for await (const chunk of stream) {
        const bytes = chunk as Buffer;
        for (let i = 0; i < bytes.length; i++) {
          const b = bytes[i] as number;
          if (b === 0x0a) line++;
          if (inString) {
            if (escaped) escaped = false;
            else if (b === 0x5c) escaped = true;
            else if (b === 0x22) inString = false;
          } else if (b === 0x22) inString = true;
          else if (b === 0x7b || b === 0x5b) {
            if (++depth > maxDepth) {
              deepAt = line;
              break outer;
            }
          } else if ((b === 0x7d || b === 0x5d) && depth > 0) depth--;
        }
      }
    } catch {
      // A corrupt stream is DuckDB's to name.
    } finally {
      input.destroy();
      inflate?.destroy();
    }
    if (deepAt !== undefined) {
      const label = singleFile(source) ? source.label : file.path;
      throw new UsageError(`JSON nested deeper than ${maxDepth} levels`, {
        place: { file: label, line: deepAt },
        hint: 'records of a data file are rows of columns; flatten the nesting',
      });
    }
  }
}
