/**
 * The validate-data action keeps DuckDB in GitHub's actions cache, against a loopback fake of
 * the cache service (v2). The action runs from its TypeScript entry under tsx (dist/ is not
 * rebuilt here), outside the repository, with the runner's variables, so DuckDB is neither
 * importable nor in the (empty) tool cache: the real @actions/cache, tar and zstd do the work.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DUCKDB_NODE_API_VERSION,
  duckDbStoreKey,
  loadDuckDb,
} from '../../src/clients/duckdb/load-module.js';
import type { FolderStore } from '../../src/clients/duckdb/load-module.js';
import { actionsCacheStore } from '../../src/platforms/github/actions-cache.js';
import { startFakeActionsCache } from './support/fake-actions-cache.js';
import type { FakeActionsCache } from './support/fake-actions-cache.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outside = mkdtempSync(path.join(os.tmpdir(), 'sluice-duckdb-cache-'));
const workspace = path.join(outside, 'workspace');
// A hosted runner's tool cache has one fixed path (/opt/hostedtoolcache), and the cache entry's
// version hashes the saved path: each "fresh runner" below empties this same folder.
const toolCache = path.join(outside, 'hostedtoolcache');
const installed = path.join(toolCache, 'sluice', `duckdb-node-api-${DUCKDB_NODE_API_VERSION}`);
const seed = path.join(outside, 'seed');
const shims = path.join(outside, 'shims');
const npmCalls = path.join(outside, 'npm-calls.log');

let fake: FakeActionsCache;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  outputs: Record<string, string>;
}

/** A fresh runner: empty tool cache and temp folder, the action's defaults as INPUT_*. */
function runnerEnv(extra: Record<string, string>, npm: 'real' | 'failing' | 'seeded') {
  rmSync(toolCache, { recursive: true, force: true });
  mkdirSync(toolCache, { recursive: true });
  const runnerTemp = mkdtempSync(path.join(outside, 'runner-temp-'));
  const action = parse(
    readFileSync(path.join(root, 'actions/validate-data/action.yml'), 'utf8'),
  ) as { inputs: Record<string, { default?: string }> };
  const inputs: Record<string, string> = { data: 'data/current.csv', schema: 'schema.yml' };
  // The machine's own variables stay (npm needs their CA and proxy settings); any that would
  // point sluice or the cache package elsewhere do not.
  const inherited = Object.entries(process.env).filter(
    ([name, value]) =>
      value !== undefined && !/^(SLUICE_|ACTIONS_|GITHUB_|RUNNER_|INPUT_|npm_)/i.test(name),
  ) as [string, string][];
  const env: Record<string, string> = {
    ...Object.fromEntries(inherited),
    PATH: npm === 'real' ? (process.env.PATH ?? '') : `${shims}/${npm}:${process.env.PATH ?? ''}`,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: path.join(runnerTemp, 'output'),
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    ...extra,
  };
  for (const [name, input] of Object.entries(action.inputs))
    env[`INPUT_${name.toUpperCase()}`] =
      inputs[name] ?? (input.default?.startsWith('${{') ? '' : (input.default ?? ''));
  writeFileSync(env.GITHUB_OUTPUT!, '');
  return env;
}

/** The action's real entry, as `node dist/validate-data/index.js` would run it, but from source. */
function runAction(env: Record<string, string>): Promise<Run> {
  const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const entry = path.join(root, 'src/entrypoints/actions/validate-data.ts');
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', tsx, entry], { cwd: workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const outputs: Record<string, string> = {};
      for (const match of readFileSync(env.GITHUB_OUTPUT!, 'utf8').matchAll(
        /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm,
      ))
        outputs[match[1]!] = match[3]!;
      resolve({ code, stdout, stderr, ms: Date.now() - started, outputs });
    });
  });
}

function expectValidated(run: Run): void {
  expect(run.stdout + run.stderr).not.toMatch(/cannot install DuckDB/);
  expect(run.outputs['passed'], run.stdout + run.stderr).toMatch(/^(true|false)$/);
  expect(run.code).toBe(run.outputs['passed'] === 'true' ? 0 : 1);
}

function npmCallCount(): number {
  return existsSync(npmCalls) ? readFileSync(npmCalls, 'utf8').split('\n').length - 1 : 0;
}

beforeAll(async () => {
  cpSync(path.join(root, 'examples/churn'), workspace, { recursive: true });
  // `failing`: any npm call is recorded and fails. `seeded`: npm "installs" by copying the
  // folder run 1 really installed (fast, and still records the call).
  mkdirSync(path.join(shims, 'failing'), { recursive: true });
  mkdirSync(path.join(shims, 'seeded'), { recursive: true });
  writeFileSync(
    path.join(shims, 'failing', 'npm'),
    `#!/bin/sh\necho "npm $*" >> '${npmCalls}'\nexit 1\n`,
    { mode: 0o755 },
  );
  writeFileSync(
    path.join(shims, 'seeded', 'npm'),
    `#!/bin/sh\necho "npm $*" >> '${npmCalls}'\n` +
      `while [ "$1" != "--prefix" ]; do shift; done\nmkdir -p "$2" && cp -R '${seed}/.' "$2/"\n`,
    { mode: 0o755 },
  );
  fake = await startFakeActionsCache();
});

afterAll(async () => {
  await fake?.close();
  rmSync(outside, { recursive: true, force: true });
});

describe('validate-data keeps DuckDB in the actions cache', () => {
  const key = duckDbStoreKey();
  const timings: Record<string, number> = {};

  it('run 1, fresh runner, empty cache: installs from npm and saves the folder', async () => {
    const run = await runAction(runnerEnv(fake.env, 'real'));
    timings.install = run.ms;
    expectValidated(run);
    expect(run.stdout).toContain(`installed and saved to the actions cache (${key})`);
    expect(existsSync(path.join(installed, 'node_modules/@duckdb/node-api/lib/index.js'))).toBe(
      true,
    );
    const entry = fake.entries.find((e) => e.key === key);
    expect(entry?.finalized).toBe(true);
    // A zstd tar archive (gzip where zstd is missing) of tens of MB: the binding itself.
    const archive = fake.blobs.get(entry!.blob)!;
    expect(archive.subarray(0, 4).toString('hex')).toMatch(/^(28b52ffd|1f8b)/);
    expect(archive.length).toBe(entry!.sizeBytes);
    expect(archive.length).toBeGreaterThan(5 * 1024 * 1024);
    cpSync(installed, seed, { recursive: true });
  }, 400_000);

  it('run 2, fresh runner: restores from the cache and never calls npm', async () => {
    const before = fake.requests.length;
    const run = await runAction(runnerEnv(fake.env, 'failing'));
    timings.restore = run.ms;
    expectValidated(run);
    expect(run.stdout).toContain(`restored from the actions cache (${key})`);
    expect(npmCallCount()).toBe(0);
    const calls = fake.requests.slice(before);
    expect(calls.some((call) => call.endsWith('/GetCacheEntryDownloadURL'))).toBe(true);
    expect(calls.some((call) => call.startsWith('GET /devstoreaccount1/'))).toBe(true);
    expect(calls.some((call) => call.endsWith('/CreateCacheEntry'))).toBe(false);
    console.info(
      `DuckDB via actions cache: run 1 (npm install + save) ${timings.install} ms, ` +
        `run 2 (restore) ${timings.restore} ms`,
    );
  }, 300_000);

  it('a save the service refuses (another job saved the key first) is a warning, not a failure', async () => {
    fake.entries.length = 0; // a miss, then a refused reservation
    fake.rejectCreate = true;
    try {
      const run = await runAction(runnerEnv(fake.env, 'seeded'));
      expectValidated(run);
      expect(npmCallCount()).toBe(1);
      expect(run.stdout).toMatch(/^::warning::DuckDB .*not saved to the actions cache/m);
    } finally {
      fake.rejectCreate = false;
    }
  }, 300_000);

  it('without the runner cache credentials: installs as before and never calls the service', async () => {
    const before = fake.requests.length;
    const run = await runAction(runnerEnv({}, 'seeded'));
    expectValidated(run);
    expect(npmCallCount()).toBe(2);
    expect(run.stdout).not.toContain('actions cache');
    expect(fake.requests.length).toBe(before);
  }, 300_000);

  it('asks for the actions cache only when the runner gives a token and a service URL', () => {
    expect(actionsCacheStore({})).toBeUndefined();
    expect(actionsCacheStore({ ACTIONS_RUNTIME_TOKEN: 't' })).toBeUndefined();
    expect(actionsCacheStore({ ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' })).toBeUndefined();
    expect(
      actionsCacheStore({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' }),
    ).toBeDefined();
    expect(
      actionsCacheStore({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://127.0.0.1:1/' }),
    ).toBeDefined();
    expect(key).toMatch(
      new RegExp(
        `^sluice-duckdb-${DUCKDB_NODE_API_VERSION.replace(/\./g, '\\.')}-\\w+-\\w+-node\\d+$`,
      ),
    );
  });
});

describe('loadDuckDb with a store (in process, npm shimmed to copy the run 1 install)', () => {
  const lines: string[] = [];
  const logger = {
    info: (line: string) => lines.push(`info ${line}`),
    warn: (line: string) => lines.push(`warn ${line}`),
  };
  const calls: string[] = [];
  function store(restore: (folder: string) => boolean, save: () => boolean): FolderStore {
    return {
      label: 'the actions cache',
      restore: (folder, key) => (calls.push(`restore ${key}`), Promise.resolve(restore(folder))),
      save: (folder, key) => {
        calls.push(`save ${key}`);
        return Promise.resolve(save());
      },
    };
  }
  async function load(cacheDir: string, persist: FolderStore) {
    const path0 = process.env.PATH;
    process.env.PATH = `${shims}/seeded:${path0 ?? ''}`;
    try {
      return await loadDuckDb({ SLUICE_CACHE_DIR: cacheDir }, { persist, logger });
    } finally {
      process.env.PATH = path0;
    }
  }

  it('never asks the store when the cache folder already holds DuckDB', async () => {
    const cacheDir = mkdtempSync(path.join(outside, 'present-'));
    cpSync(seed, path.join(cacheDir, `duckdb-node-api-${DUCKDB_NODE_API_VERSION}`), {
      recursive: true,
    });
    calls.length = lines.length = 0;
    const duckdb = await load(
      cacheDir,
      store(
        () => true,
        () => true,
      ),
    );
    expect(typeof duckdb.DuckDBInstance.create).toBe('function');
    expect(calls).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('a restore that leaves nothing importable falls back to npm, then saves', async () => {
    const cacheDir = mkdtempSync(path.join(outside, 'broken-'));
    calls.length = lines.length = 0;
    const npmBefore = npmCallCount();
    const duckdb = await load(
      cacheDir,
      store(
        (folder) => (mkdirSync(path.join(folder, 'node_modules'), { recursive: true }), true),
        () => true,
      ),
    );
    expect(typeof duckdb.DuckDBInstance.create).toBe('function');
    expect(npmCallCount()).toBe(npmBefore + 1);
    expect(calls).toEqual([`restore ${duckDbStoreKey()}`, `save ${duckDbStoreKey()}`]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^info DuckDB .* is not installed here: installing @duckdb\/node-api@.* with npm into /,
      ),
      expect.stringMatching(/^info .*installed and saved to the actions cache/),
    ]);
  });

  it('a restored folder whose module throws is replaced by a fresh install', async () => {
    const cacheDir = mkdtempSync(path.join(outside, 'corrupt-'));
    calls.length = lines.length = 0;
    const npmBefore = npmCallCount();
    const duckdb = await load(
      cacheDir,
      store(
        (folder) => {
          const lib = path.join(folder, 'node_modules/@duckdb/node-api/lib');
          mkdirSync(lib, { recursive: true });
          writeFileSync(path.join(lib, 'index.js'), "throw new Error('truncated archive');\n");
          return true;
        },
        () => true,
      ),
    );
    expect(typeof duckdb.DuckDBInstance.create).toBe('function');
    expect(npmCallCount()).toBe(npmBefore + 1);
    expect(lines).toEqual([
      expect.stringMatching(
        /^info DuckDB .* is not installed here: installing @duckdb\/node-api@.* with npm into /,
      ),
      expect.stringMatching(/^info .*installed and saved/),
    ]);
  });

  it('a save that throws is one warning line; DuckDB still loads', async () => {
    const cacheDir = mkdtempSync(path.join(outside, 'unsaved-'));
    calls.length = lines.length = 0;
    const duckdb = await load(
      cacheDir,
      store(
        () => false,
        () => {
          throw new Error('upload refused');
        },
      ),
    );
    expect(typeof duckdb.DuckDBInstance.create).toBe('function');
    expect(lines).toEqual([
      expect.stringMatching(
        /^info DuckDB .* is not installed here: installing @duckdb\/node-api@.* with npm into /,
      ),
      expect.stringMatching(/^warn .*installed, but not saved/),
    ]);
  });

  it('without a store (the CLI, `npm run demo`) it says what it downloads before npm runs', async () => {
    const cacheDir = mkdtempSync(path.join(outside, 'cli-'));
    lines.length = 0;
    const npmBefore = npmCallCount();
    const path0 = process.env.PATH;
    process.env.PATH = `${shims}/seeded:${path0 ?? ''}`;
    let npmCallsWhenSaid = -1;
    try {
      const duckdb = await loadDuckDb(
        { SLUICE_CACHE_DIR: cacheDir },
        {
          logger: {
            info: (message) => {
              npmCallsWhenSaid = npmCallCount();
              lines.push(`info ${message}`);
            },
            warn: (message) => lines.push(`warn ${message}`),
          },
        },
      );
      expect(typeof duckdb.DuckDBInstance.create).toBe('function');
    } finally {
      process.env.PATH = path0;
    }
    const folder = path.join(cacheDir, `duckdb-node-api-${DUCKDB_NODE_API_VERSION}`);
    expect(lines).toEqual([
      `info DuckDB ${DUCKDB_NODE_API_VERSION} is not installed here: installing @duckdb/node-api@${DUCKDB_NODE_API_VERSION} with npm into ${folder} (about 70 MB, once; later runs reuse it)`,
    ]);
    expect(npmCallsWhenSaid).toBe(npmBefore); // said before npm started
    expect(npmCallCount()).toBe(npmBefore + 1);
    // The second time it is there: nothing to say.
    lines.length = 0;
    await loadDuckDb(
      { SLUICE_CACHE_DIR: cacheDir },
      { logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } },
    );
    expect(lines).toEqual([]);
  });
});
