import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { InfraError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';

/** The DuckDB client sluice is tested with; scripts/install/duckdb.sh reads this line. */
export const DUCKDB_NODE_API_VERSION = '1.5.6-r.1';
/** What that install puts on disk (the client and its native binding for one platform), in MB. */
const DUCKDB_DOWNLOAD_MB = 70;

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
 * A store that keeps a folder between CI runs (GitHub's actions cache), so a fresh runner
 * installs DuckDB from npm only once. Both calls may fail quietly: keeping is an optimisation.
 */
export interface FolderStore {
  /** Names the store in the log line, e.g. "the actions cache". */
  readonly label: string;
  /** Puts the folder saved under key back in place; false when there is none. */
  restore(folder: string, key: string): Promise<boolean>;
  /** Keeps the folder under key; false (or a throw) when it could not be kept. */
  save(folder: string, key: string): Promise<boolean>;
}

export interface LoadDuckDbOptions {
  /** Consulted only when DuckDB is neither importable nor in the cache folder. */
  persist?: FolderStore;
  /** Where the one line about the store goes (restored / installed and saved / not saved). */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * DuckDB is native code for one platform, so neither the committed bundles nor the lock
 * file carry it (the registry has no build for some platforms, which would break `npm ci`
 * everywhere). It resolves when installed next to sluice; else the pinned version is
 * installed once into a cache folder (`SLUICE_CACHE_DIR`, the runner's tool cache, or
 * ~/.cache/sluice), which `options.persist` can keep between runs.
 */
export async function loadDuckDb(
  env: Env = process.env,
  options: LoadDuckDbOptions = {},
): Promise<DuckDbModule> {
  const specifier = '@duckdb/node-api';
  try {
    return (await import(specifier)) as DuckDbModule;
  } catch {
    const folder = cacheFolder(env);
    if (existsSync(entryOf(folder)) || !options.persist)
      return importFromCache(folder, options.logger);
    return importThroughStore(folder, options.persist, options.logger);
  }
}

/**
 * The native binding is built for one DuckDB version, OS, CPU and Node ABI: a folder saved
 * under another of these must never be restored.
 */
export function duckDbStoreKey(): string {
  return `sluice-duckdb-${DUCKDB_NODE_API_VERSION}-${process.platform}-${process.arch}-node${process.versions.modules}`;
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

async function importFromCache(
  folder: string,
  logger: LoadDuckDbOptions['logger'],
): Promise<DuckDbModule> {
  if (!existsSync(entryOf(folder))) await installInto(folder, logger);
  return (await import(pathToFileURL(entryOf(folder)).href)) as DuckDbModule;
}

async function importThroughStore(
  folder: string,
  store: FolderStore,
  logger: LoadDuckDbOptions['logger'],
): Promise<DuckDbModule> {
  const key = duckDbStoreKey();
  const entry = pathToFileURL(entryOf(folder));
  if ((await attempt(() => store.restore(folder, key))).ok) {
    try {
      const duckdb = (await import(entry.href)) as DuckDbModule;
      logger?.info(`DuckDB ${DUCKDB_NODE_API_VERSION}: restored from ${store.label} (${key})`);
      return duckdb;
    } catch {
      // A truncated or foreign archive: install afresh rather than fail the step. Node keeps
      // a module that failed to load under its URL, so the fresh one is imported under another.
      await rm(folder, { recursive: true, force: true });
      entry.search = '?reinstalled';
    }
  }
  // What a failed restore left behind would stop the install's rename into place.
  if (!existsSync(entryOf(folder))) await rm(folder, { recursive: true, force: true });
  await installInto(folder, logger);
  // Import before saving, so a folder that does not load is never kept for later runs.
  const duckdb = (await import(entry.href)) as DuckDbModule;
  const saved = await attempt(() => store.save(folder, key));
  if (saved.ok)
    logger?.info(
      `DuckDB ${DUCKDB_NODE_API_VERSION}: installed and saved to ${store.label} (${key})`,
    );
  else
    logger?.warn(
      `DuckDB ${DUCKDB_NODE_API_VERSION}: installed, but not saved to ${store.label} (${key})${saved.reason ? `: ${saved.reason}` : ''}; the next run installs it again unless another job saved it`,
    );
  return duckdb;
}

/** A store call that never throws: keeping the folder is an optimisation, never a failure. */
async function attempt(call: () => Promise<boolean>): Promise<{ ok: boolean; reason?: string }> {
  try {
    return { ok: await call() };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Installs beside the cache folder and renames into place, so racing jobs never see half an
 * install. Says so first: the download takes a while, and a silent pause looks like a hang.
 */
async function installInto(folder: string, logger: LoadDuckDbOptions['logger']): Promise<void> {
  logger?.info(
    `DuckDB ${DUCKDB_NODE_API_VERSION} is not installed here: installing @duckdb/node-api@${DUCKDB_NODE_API_VERSION} with npm into ${folder} (about ${DUCKDB_DOWNLOAD_MB} MB, once; later runs reuse it)`,
  );
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
