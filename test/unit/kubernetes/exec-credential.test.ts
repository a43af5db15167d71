import { describe, expect, it } from 'vitest';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { Exec } from '../../../src/core/ports.js';
import {
  ExecCredentialPlugin,
  parseExecConfig,
  type ExecPluginConfig,
} from '../../../src/clients/routers/kubernetes/exec-credential.js';

const TOKEN = 'sekret-token-1234567890';
const CONFIG: ExecPluginConfig = {
  command: 'aws',
  args: ['eks', 'get-token'],
  env: { AWS_PROFILE: 'ci' },
  apiVersion: 'client.authentication.k8s.io/v1',
  installHint: 'install the AWS CLI v2',
  user: 'eks-user',
};

function credential(status: Record<string, unknown>, apiVersion = CONFIG.apiVersion): string {
  return JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
}

/** An Exec that answers from `answers` in turn and records each call. */
function fakeExec(answers: (string | Error)[]) {
  const calls: {
    command: string;
    args: readonly string[];
    env?: Record<string, string>;
    timeoutMs?: number;
  }[] = [];
  const exec: Exec = {
    run(command, args, options = {}) {
      calls.push({
        command,
        args,
        ...(options.env ? { env: options.env } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return answer instanceof Error
        ? Promise.reject(answer)
        : Promise.resolve({ exitCode: 0, stdout: answer, stderr: '' });
    },
  };
  return { exec, calls };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('kubeconfig exec credential plugins', () => {
  it('runs the command as kubectl does: args, env over the environment, KUBERNETES_EXEC_INFO non-interactive, a timeout', async () => {
    const { exec, calls } = fakeExec([credential({ token: TOKEN })]);
    const plugin = new ExecCredentialPlugin(CONFIG, 'r', { exec, timeoutMs: 1234 });
    expect(await plugin.get()).toEqual({ token: TOKEN });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ command: 'aws', args: ['eks', 'get-token'], timeoutMs: 1234 });
    expect(calls[0]!.env!.AWS_PROFILE).toBe('ci');
    expect(JSON.parse(calls[0]!.env!.KUBERNETES_EXEC_INFO!)).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('keeps the credential until expirationTimestamp, runs again after it and after invalidate()', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { exec, calls } = fakeExec([
      credential({ token: TOKEN, expirationTimestamp: '2026-01-01T00:10:00Z' }),
    ]);
    const plugin = new ExecCredentialPlugin(CONFIG, 'r', { exec, now: () => now });
    await Promise.all([plugin.get(), plugin.get(), plugin.get()]);
    await plugin.get();
    expect(calls).toHaveLength(1);
    now += 11 * 60_000;
    await plugin.get();
    expect(calls).toHaveLength(2);
    plugin.invalidate();
    await plugin.get();
    expect(calls).toHaveLength(3);
  });

  it('takes a client certificate and key instead of a token; registers the secrets with the masker', async () => {
    const added: string[] = [];
    const { exec } = fakeExec([
      credential({ clientCertificateData: 'CERT-PEM', clientKeyData: 'KEY-PEM' }),
    ]);
    const plugin = new ExecCredentialPlugin(CONFIG, 'r', {
      exec,
      masker: { add: (s) => added.push(s) },
    });
    expect(await plugin.get()).toEqual({ cert: 'CERT-PEM', key: 'KEY-PEM' });
    expect(added).toContain('KEY-PEM');
    const tokens: string[] = [];
    await new ExecCredentialPlugin(CONFIG, 'r', {
      exec: fakeExec([credential({ token: TOKEN })]).exec,
      masker: { add: (s) => tokens.push(s) },
    }).get();
    expect(tokens).toEqual([TOKEN, Buffer.from(TOKEN).toString('base64')]);
  });

  it.each([
    ['not JSON', `token=${TOKEN}`, /something that is not JSON/],
    [
      'another kind',
      JSON.stringify({ kind: 'Pod', apiVersion: CONFIG.apiVersion, token: TOKEN }),
      /kind "Pod"/,
    ],
    [
      'another apiVersion',
      credential({ token: TOKEN }, 'client.authentication.k8s.io/v1beta1'),
      /apiVersion .*v1beta1/,
    ],
    ['no token', credential({ clientCertificateData: TOKEN }), /neither status.token/],
    ['a bad expiry', credential({ token: TOKEN, expirationTimestamp: 'soon' }), /not a time/],
  ])(
    'an answer that is %s: exit 3 naming the command and user, stdout not shown',
    async (_what, stdout, message) => {
      const error = await failure(
        new ExecCredentialPlugin(CONFIG, 'r', { exec: fakeExec([stdout]).exec }).get(),
      );
      expect(error).toBeInstanceOf(InfraError);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/plugin aws of kubeconfig user "eks-user"/);
      expect(`${error.message} ${(error as InfraError).hint ?? ''}`).not.toContain(TOKEN);
    },
  );

  it('a failing plugin: exit 3 with its message; a missing one: exit 2 with the installHint', async () => {
    const failed = await failure(
      new ExecCredentialPlugin(CONFIG, 'r', {
        exec: fakeExec([new InfraError('aws eks get-token exited 255: expired SSO session')]).exec,
      }).get(),
    );
    expect(failed).toBeInstanceOf(InfraError);
    expect(failed.message).toMatch(
      /kubeconfig user "eks-user" failed: aws eks get-token exited 255: expired SSO/,
    );
    const spawnError = Object.assign(new Error('spawn aws ENOENT'), {
      code: 'ENOENT',
      syscall: 'spawn aws',
    });
    const missing = await failure(
      new ExecCredentialPlugin(CONFIG, 'r', {
        exec: fakeExec([new InfraError('cannot run aws', { cause: spawnError })]).exec,
      }).get(),
    );
    expect(missing).toBeInstanceOf(UsageError);
    expect(missing.message).toMatch(/plugin aws .* is not installed or not on PATH/);
    expect((missing as UsageError).hint).toBe('install the AWS CLI v2');
  });

  it('resolves a relative command with a slash against the kubeconfig folder, leaves a bare name to PATH', () => {
    const fail = (why: string) => new UsageError(why);
    const resolve = (p: string) => `/home/me/.kube/${p}`;
    const base = { apiVersion: 'client.authentication.k8s.io/v1beta1' };
    expect(parseExecConfig({ ...base, command: './bin/token' }, 'u', resolve, fail).command).toBe(
      '/home/me/.kube/./bin/token',
    );
    expect(parseExecConfig({ ...base, command: 'kubelogin' }, 'u', resolve, fail).command).toBe(
      'kubelogin',
    );
    expect(() => parseExecConfig({ ...base, command: 'x', args: [1] }, 'u', resolve, fail)).toThrow(
      /args/,
    );
  });
});
