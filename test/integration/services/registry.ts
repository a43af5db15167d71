import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, requireBinary, waitFor } from './binaries.js';

const TOOLS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.tmp/bin');

/**
 * Which registry serves: Debian's distribution 2.8 (`docker-registry`, no referrers API), the
 * distribution v3 `registry` built into .tmp/bin, or go-containerregistry's registry with the
 * referrers API on (`referrers-registry`, in memory, no auth).
 */
export type RegistryImplementation = 'distribution-2.8' | 'distribution-v3' | 'referrers';

/** A Go tool that scripts/install/docker.sh builds into .tmp/bin; missing → how to get it. */
export function requireTool(name: string): string {
  const path = join(TOOLS, name);
  if (!existsSync(path))
    throw new Error(`${path} is missing: run \`bash scripts/install/docker.sh\` first`);
  return path;
}

export interface RegistryOptions {
  /** Basic auth with one bcrypt user (htpasswd -B). */
  htpasswd?: { username: string; password: string };
  /** Bearer-token auth: the registry trusts tokens signed by the key of `certificate`. */
  token?: { realm: string; service: string; issuer: string; certificateFile: string };
  /** Reuse a storage folder (a restarted registry keeps its uploads). */
  dataDir?: string;
  port?: number;
  implementation?: RegistryImplementation;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  address: string;
  port: number;
  dir: string;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
  kill(): void;
}

/** Starts a registry (default: Debian's `docker-registry`, distribution 2.8) on a free loopback port. */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const implementation = options.implementation ?? 'distribution-2.8';
  const binary =
    implementation === 'distribution-2.8'
      ? requireBinary('docker-registry')
      : requireTool(implementation === 'distribution-v3' ? 'registry' : 'referrers-registry');
  if (implementation === 'referrers' && (options.htpasswd || options.token || options.dataDir))
    throw new Error('the referrers registry keeps everything in memory and has no auth');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-registry-'));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const port = options.port ?? (await freePort());
  let auth = '';
  if (options.htpasswd) {
    requireBinary('htpasswd');
    const file = join(dir, 'htpasswd');
    execFileSync('htpasswd', ['-Bbc', file, options.htpasswd.username, options.htpasswd.password], {
      stdio: 'ignore',
    });
    auth = `auth:\n  htpasswd:\n    realm: sluice-test\n    path: ${file}\n`;
  } else if (options.token) {
    const t = options.token;
    auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certificateFile}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dataDir}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: sluice-test-secret\n${auth}`,
  );
  const child =
    implementation === 'referrers'
      ? spawn(binary, [], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, PORT: String(port) },
        })
      : spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const address = `127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${implementation} registry exited: ${stderr}`);
      const response = await fetch(`http://${address}/v2/`);
      return response.status === 200 || response.status === 401;
    }, `${implementation} registry on ${address}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    address,
    port,
    dir,
    dataDir,
    process: child,
    kill: () => {
      child.kill('SIGKILL');
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      // The config folder always goes; a storage folder passed in belongs to the caller.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
