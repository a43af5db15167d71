import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import type { ExecConfig } from '../../../src/clients/exec/exec-errors.js';
import { createNodeExec } from '../../../src/clients/exec/node-exec.js';
import { InfraError } from '../../../src/core/errors.js';
import { isProgramMissing } from '../../../src/core/exec/missing-program.js';
import type { Exec } from '../../../src/core/ports.js';
import { createMasker } from '../../../src/platforms/masker.js';

const NODE = process.execPath;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

async function failure(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InfraError);
  return error as InfraError;
}

const adapters: [string, (config?: ExecConfig) => Exec][] = [
  ['execa', (config) => createExecaExec(config)],
  ['child_process', (config) => createNodeExec(config, async () => createExecaExec(config))],
];

describe.each(adapters)('Exec over %s', (_name, make) => {
  it('runs a program with stdin, env and cwd, and returns its output as written', async () => {
    const result = await make().run(
      NODE,
      [
        '-e',
        'process.stdin.pipe(process.stdout); process.stderr.write(process.env.X + process.cwd() + "\\n")',
      ],
      { input: 'in\n', env: { X: 'x:' }, cwd: dir },
    );
    expect(result).toEqual({ exitCode: 0, stdout: 'in\n', stderr: `x:${dir}\n` });
  });

  it('closes stdin when there is no input, so a reader of stdin ends', async () => {
    const result = await make().run(NODE, ['-e', 'process.stdin.resume()']);
    expect(result.exitCode).toBe(0);
  });

  it('turns a non-zero exit into an InfraError naming the program, unless allowFailure', async () => {
    const args = ['-e', 'process.stderr.write("broken\\n"); process.exit(3)'];
    const error = await failure(make().run(NODE, args));
    expect(error.message).toContain(`${NODE} -e`);
    expect(error.message).toContain('exited 3: broken');
    expect(await make().run(NODE, args, { allowFailure: true })).toMatchObject({
      exitCode: 3,
      stderr: 'broken\n',
    });
  });

  it('names a program that is not installed, and isProgramMissing sees it', async () => {
    const error = await failure(make().run('sluice-no-such-program', ['--version']));
    expect(error.message).toContain('cannot run sluice-no-such-program');
    expect(error.hint).toContain('not installed or not on PATH');
    expect(isProgramMissing(error)).toBe(true);
    // allowFailure is about exit codes: a program that never started is still an error.
    await failure(make().run('sluice-no-such-program', [], { allowFailure: true }));
  });

  it('stops a program whose output passes maxBuffer, with an InfraError naming it', async () => {
    const error = await failure(
      make({ maxBuffer: 1000 }).run(NODE, ['-e', 'process.stdout.write("x".repeat(100000))']),
    );
    expect(error.message).toContain(`${NODE} wrote more than 1000 characters to stdout`);
    const stderr = await failure(
      make({ maxBuffer: 1000 }).run(NODE, ['-e', 'process.stderr.write("x".repeat(5000))'], {
        allowFailure: true,
      }),
    );
    expect(stderr.message).toContain('to stderr');
  });

  it('masks secrets in the command line and the stderr of its errors', async () => {
    const masker = createMasker();
    masker.add('hunter2-secret');
    const error = await failure(
      make({ masker }).run(NODE, [
        '-e',
        'process.stderr.write("token hunter2-secret refused"); process.exit(1)',
        'hunter2-secret',
      ]),
    );
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain('hunter2');
    expect(error.message).toContain('token *** refused');
  });

  it('kills a program that ignores SIGTERM after the delay once the timeout passes', async () => {
    const pidFile = path.join(dir, `pid-timeout-${_name}`);
    const started = Date.now();
    const error = await failure(
      make({ forceKillAfterMs: 300 }).run(
        NODE,
        [
          '-e',
          `process.on("SIGTERM", () => {}); require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`,
        ],
        { timeoutMs: 2000, allowFailure: true },
      ),
    );
    expect(error.message).toMatch(/did not finish within 2s: stopped it/);
    expect(error.hint).toContain('SIGKILL after 300ms');
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitFor(() => !alive(pid), 2000)).toBe(true);
  });

  it('stops a program when the signal aborts', async () => {
    const pidFile = path.join(dir, `pid-cancel-${_name}`);
    const controller = new AbortController();
    const run = make({ forceKillAfterMs: 300 }).run(
      NODE,
      [
        '-e',
        `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`,
      ],
      { signal: controller.signal },
    );
    await waitFor(() => {
      try {
        return readFileSync(pidFile, 'utf8') !== '';
      } catch {
        return false;
      }
    }, 10_000);
    controller.abort(new Error('the job was cancelled'));
    const error = await failure(run);
    expect(error.message).toContain('was cancelled');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitFor(() => !alive(pid), 2000)).toBe(true);
  });
});

describe('the child_process Exec', () => {
  it('hands calls with a timeout or a signal to its fallback, and others not', async () => {
    const fallback: Exec = { run: vi.fn(async () => ({ exitCode: 0, stdout: 'fb', stderr: '' })) };
    const exec = createNodeExec({}, async () => fallback);
    expect((await exec.run(NODE, ['-e', '0'], { timeoutMs: 1000 })).stdout).toBe('fb');
    expect(
      (await exec.run(NODE, ['-e', '0'], { signal: new AbortController().signal })).stdout,
    ).toBe('fb');
    expect((await exec.run(NODE, ['-e', 'process.stdout.write("own")'])).stdout).toBe('own');
    expect(fallback.run).toHaveBeenCalledTimes(2);
  });
});

describe('the execa Exec', () => {
  it('kills the programs it started when sluice exits', async () => {
    const pidFile = path.join(dir, 'pid-cleanup');
    const script = path.join(dir, 'parent.mts');
    const adapter = pathToFileURL(path.join(ROOT, 'src/clients/exec/execa-exec.ts')).href;
    // Written aside, then renamed: the parent must never see the file before the pid is in it.
    const child = `const fs = require("fs"); fs.writeFileSync(${JSON.stringify(`${pidFile}.tmp`)}, String(process.pid)); fs.renameSync(${JSON.stringify(`${pidFile}.tmp`)}, ${JSON.stringify(pidFile)}); setInterval(() => {}, 1000)`;
    // The parent starts a child that would run forever, waits until it runs, then exits.
    writeFileSync(
      script,
      [
        `import { existsSync } from 'node:fs';`,
        `import { createExecaExec } from ${JSON.stringify(adapter)};`,
        `void createExecaExec().run(process.execPath, ['-e', ${JSON.stringify(child)}]).catch(() => undefined);`,
        `const wait = setInterval(() => { if (existsSync(${JSON.stringify(pidFile)})) { clearInterval(wait); process.exit(0); } }, 20);`,
      ].join('\n'),
    );
    const parent = spawn(NODE, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'inherit' });
    const code = await new Promise<number | null>((resolve) => parent.on('close', resolve));
    expect(code).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(pid), 3000)).toBe(true);
  }, 30_000);
});
