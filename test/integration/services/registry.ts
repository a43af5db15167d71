import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, waitFor } from './binaries.js';

export interface RegistryOptions {
  /** Basic auth with one bcrypt user (htpasswd -B). */
  htpasswd?: { username: string; password: string };
  /** Bearer-token auth: the registry trusts tokens signed by the key of `certificate`. */
  token?: { realm: string; service: string; issuer: string; certificateFile: string };
  /** Reuse a storage folder (a restarted registry keeps its uploads). */
  dataDir?: string;
  port?: number;
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

/** Starts Debian's `docker-registry` (distribution 2.8) on a free loopback port. */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const binary = requireBinary('docker-registry');
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
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const address = `127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const response = await fetch(`http://${address}/v2/`);
      return response.status === 200 || response.status === 401;
    }, `docker-registry on ${address}`);
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
