import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ModelMode =
  | { mode: 'healthy' }
  | { mode: 'errors'; errorRate: number }
  | { mode: 'slow'; latencyMs: number }
  | { mode: 'crash'; crashAfter: number }
  | { mode: 'wrong' };

export interface ModelServer {
  name: string;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  /** Requests seen by the test through the server's own /metrics are also available. */
  setMode(mode: ModelMode): Promise<void>;
  /** Whether the process is still running (a crash mode ends it). */
  alive(): boolean;
  stop(): Promise<void>;
}

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model-server-main.ts');
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a model server process on a free 127.0.0.1 port (see model-server-main.ts for its API).
 * Every process started is killed when the test process exits, even if a test forgot `stop`.
 */
export async function startModelServer(
  name: string,
  mode: ModelMode = { mode: 'healthy' },
): Promise<ModelServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', main, JSON.stringify({ name, ...mode })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  running.add(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`model server ${name} did not start within 15 s`)),
      15_000,
    );
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      out += text;
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`model server ${name} exited with ${code} before listening`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    url,
    pid: child.pid!,
    alive: () => !exited,
    async setMode(next) {
      const response = await fetch(`${url}/mode`, { method: 'PUT', body: JSON.stringify(next) });
      if (!response.ok) throw new Error(`model server ${name} refused the mode`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
