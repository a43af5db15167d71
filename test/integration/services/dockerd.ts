import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, waitFor } from './binaries.js';

export interface RunningDockerd {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A Docker engine of the test's own: its data root under /tmp, vfs storage, no iptables and no
 * bridge (containers use `--network host`). Stopped by PID.
 */
export async function startDockerd(): Promise<RunningDockerd> {
  const binary = requireBinary('dockerd');
  requireBinary('docker');
  // A short path: unix socket paths are limited to about 100 bytes.
  const dir = mkdtempSync('/tmp/sluice-dockerd-');
  const socket = join(dir, 'docker.sock');
  const child = spawn(
    binary,
    [
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--host',
      `unix://${socket}`,
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = `unix://${socket}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`dockerd exited: ${stderr}`);
        execFileSync('docker', ['version'], {
          env: { ...process.env, DOCKER_HOST: host },
          stdio: 'ignore',
        });
        return true;
      },
      'dockerd',
      60_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    host,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      // dockerd leaves its default network namespace mounted under the exec root.
      try {
        execFileSync('umount', [join(dir, 'exec', 'netns', 'default')], { stdio: 'ignore' });
      } catch {
        // not mounted
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
