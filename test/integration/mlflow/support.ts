/**
 * A real MLflow tracking server for the tests: installed by scripts/install/mlflow.sh into a
 * cached venv (tests never skip), started on a free 127.0.0.1 port with a SQLite backend in a
 * temporary folder, stopped by its PID. The `sluice` CLI runs from source against it.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../../..');
const cli = path.join(root, 'src/entrypoints/cli.ts');
const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;

/** The venv folder (the install script's last line names it; quick when cached). */
export function ensureMlflow(): string {
  const out = execFileSync('bash', [path.join(root, 'scripts/install/mlflow.sh')], {
    encoding: 'utf8',
  });
  const match = /(?:cached in|in) (\/\S+?)(?: in \d+ s)?$/m.exec(out.trim());
  if (!match) throw new Error(`scripts/install/mlflow.sh did not name its venv: ${out}`);
  return match[1]!;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface MlflowServer {
  url: string;
  dir: string;
  venv: string;
  stop: () => Promise<void>;
}

/** Starts `mlflow server` (with MLflow's basic-auth app when `admin` is given). */
export async function startMlflow(
  venv: string,
  admin?: { username: string; password: string },
  options: { proxiedArtifacts?: boolean } = {},
): Promise<MlflowServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-'));
  const port = await freePort();
  // No job runner (huey consumers): the tests need none, and the machine is shared.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_HOME: dir,
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
  };
  const args = [
    'server',
    '--backend-store-uri',
    `sqlite:///${dir}/mlflow.db`,
    // MLflow's default artifact store proxies artifacts (`mlflow-artifacts:/`) to a folder.
    ...(options.proxiedArtifacts
      ? ['--artifacts-destination', `${dir}/artifacts`]
      : ['--default-artifact-root', `${dir}/artifacts`]),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    '1',
  ];
  if (admin) {
    const ini = path.join(dir, 'auth.ini');
    writeFileSync(
      ini,
      [
        '[mlflow]',
        'default_permission = READ',
        `database_uri = sqlite:///${dir}/auth.db`,
        `admin_username = ${admin.username}`,
        `admin_password = ${admin.password}`,
        'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
        '',
      ].join('\n'),
    );
    env.MLFLOW_AUTH_CONFIG_PATH = ini;
    // The auth app's CSRF protection wants a fixed key (one per test server here).
    env.MLFLOW_FLASK_SERVER_SECRET_KEY = `sluice-test-${port}-${process.pid}`;
    args.push('--app-name', 'basic-auth');
  }
  const child = spawn(path.join(venv, 'bin/mlflow'), args, {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-1500);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The server's group: mlflow starts uvicorn/gunicorn workers under it.
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // Whatever of the group outlived the server (workers) goes too.
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`mlflow server exited ${child.exitCode}: ${log}`);
    }
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mlflow server did not answer /health within 240 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, dir, venv, stop };
}

export interface Seeded {
  versions: {
    version: string;
    run_id: string;
    model_id: string;
    /** The version's own `model_id` (none when registered from the run: `register: "run"`). */
    registered_model_id?: string | null;
    experiment_id: string;
    metrics: Record<string, number>;
  }[];
  plain_run?: string;
}

/** Runs the scikit-learn training script: runs, logged models, versions, the champion alias. */
export async function trainAndRegister(
  server: MlflowServer,
  plan: object,
  env: NodeJS.ProcessEnv = {},
): Promise<Seeded> {
  const script = path.join(import.meta.dirname, 'train_and_register.py');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      path.join(server.venv, 'bin/python'),
      [script, server.url, JSON.stringify(plan)],
      {
        cwd: server.dir,
        env: { ...process.env, ...env, GIT_PYTHON_REFRESH: 'quiet' },
        maxBuffer: 4 * 1024 * 1024,
        timeout: 240_000,
      },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Seeded;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `sluice <args>` from source, on the local platform, with only the given MLflow variables. */
export async function sluice(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliResult> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith('MLFLOW_') &&
        !key.startsWith('GITHUB_') &&
        !key.startsWith('GITLAB_') &&
        !key.startsWith('CI'),
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsxLoader, cli, ...args],
      { cwd, env: { ...clean, NO_COLOR: '1', ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
  });
}
