import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { InfraError } from '../../core/errors.js';

/** The DuckDB client sluice is tested with; scripts/install/duckdb.sh reads this line. */
export const DUCKDB_NODE_API_VERSION = '1.5.6-r.1';

/** The part of @duckdb/node-api sluice uses (the package is not a build-time dependency). */
export interface DuckDbModule {
  DuckDBInstance: {
    create(path: string, options?: Record<string, string>): Promise<DuckDbInstance>;
  };
}
export interface DuckDbInstance {
  connect(): Promise<DuckDbConnection>;
  closeSync(): void;
}
export interface DuckDbConnection {
  runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }>;
  /** The running query's progress; percentage is -1 when unknown. */
  readonly progress?: { percentage: number };
  stream(sql: string): Promise<DuckDbStream>;
  closeSync(): void;
}
export interface DuckDbStream {
  /** A chunk with rowCount 0 (or none) ends the stream. */
  fetchChunk(): Promise<DuckDbChunk | null | undefined>;
}
export interface DuckDbChunk {
  readonly rowCount: number;
  readonly columnCount: number;
  getColumnVector(index: number): DuckDbVector;
}
export interface DuckDbVector {
  getItem(index: number): unknown;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * DuckDB is native code for one platform, so neither the committed bundles nor the lock
 * file carry it (the registry has no build for some platforms, which would break `npm ci`
 * everywhere). It resolves when installed next to sluice; else the pinned version is
 * installed once into a cache folder (`SLUICE_CACHE_DIR`, the runner's tool cache, or
 * ~/.cache/sluice) that `actions/cache` can keep between runs.
 */
export async function loadDuckDb(env: Env = process.env): Promise<DuckDbModule> {
  const specifier = '@duckdb/node-api';
  try {
    return (await import(specifier)) as DuckDbModule;
  } catch {
    return importFromCache(cacheFolder(env));
  }
}

export function cacheFolder(env: Env): string {
  const root =
    env.SLUICE_CACHE_DIR ||
    (env.RUNNER_TOOL_CACHE
      ? path.join(env.RUNNER_TOOL_CACHE, 'sluice')
      : path.join(os.homedir(), '.cache', 'sluice'));
  return path.join(root, `duckdb-node-api-${DUCKDB_NODE_API_VERSION}`);
}

function entryOf(folder: string): string {
  return path.join(folder, 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js');
}

async function importFromCache(folder: string): Promise<DuckDbModule> {
  if (!existsSync(entryOf(folder))) await installInto(folder);
  return (await import(pathToFileURL(entryOf(folder)).href)) as DuckDbModule;
}

/** Installs beside the cache folder and renames into place, so racing jobs never see half an install. */
async function installInto(folder: string): Promise<void> {
  const staging = `${folder}.partial-${process.pid}`;
  await mkdir(staging, { recursive: true });
  try {
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--prefix',
        staging,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `@duckdb/node-api@${DUCKDB_NODE_API_VERSION}`,
      ],
      { timeout: 300_000 },
    );
    await rename(staging, folder).catch(async (error: NodeJS.ErrnoException) => {
      if (!existsSync(entryOf(folder))) throw error;
    });
  } catch (error) {
    throw new InfraError(
      `cannot install DuckDB (@duckdb/node-api@${DUCKDB_NODE_API_VERSION}) into ${folder}`,
      {
        hint: 'validate-data needs npm and the npm registry once; or `npm install @duckdb/node-api` next to sluice',
        cause: error,
      },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
