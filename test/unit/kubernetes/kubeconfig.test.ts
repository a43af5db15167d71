import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { connectionFor, objectPath } from '../../../src/clients/routers/kubernetes/api.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const BASE = `apiVersion: v1
kind: Config
current-context: dev
contexts:
  - name: dev
    context: { cluster: c1, user: u1 }
  - name: prod
    context: { cluster: c2, user: u2 }
clusters:
  - name: c1
    cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: ${Buffer.from('CA-PEM').toString('base64')} }
  - name: c2
    cluster: { server: "https://10.0.0.2:6443", insecure-skip-tls-verify: true }
users:
  - name: u1
    user: { token: abc }
  - name: u2
    user: { tokenFile: token.txt }
`;

describe('the Kubernetes routers read a kubeconfig', () => {
  it('takes the current context: server, token, CA data', async () => {
    const file = kubeconfig('a.yaml', BASE);
    const c = await connectionFor({}, { kubeconfigFiles: [file], home: dir }, 'r');
    expect(c.server).toBe('https://127.0.0.1:6443');
    expect(c.token).toBe('abc');
    expect(c.ca?.toString()).toBe('CA-PEM');
  });

  it('takes a named context, with a token file relative to the kubeconfig', async () => {
    writeFileSync(join(dir, 'token.txt'), 'from-file\n');
    const file = kubeconfig('b.yaml', BASE);
    const c = await connectionFor({ context: 'prod' }, { kubeconfigFiles: [file], home: dir }, 'r');
    expect(c).toMatchObject({
      server: 'https://10.0.0.2:6443',
      token: 'from-file',
      insecureSkipTlsVerify: true,
    });
  });

  it.each([
    ['an unknown context', BASE, { context: 'nope' }, /no context "nope"/],
    [
      'an auth-provider plugin (removed from kubectl)',
      BASE.replace('user: { token: abc }', 'user: { auth-provider: { name: gcp } }'),
      {},
      /auth-provider plugin for user "u1", which kubectl removed/,
    ],
    [
      'an exec plugin of an unknown apiVersion',
      BASE.replace('user: { token: abc }', 'user: { exec: { command: aws } }'),
      {},
      /exec apiVersion "undefined" for user "u1"/,
    ],
    [
      'an exec plugin that must be interactive',
      BASE.replace(
        'user: { token: abc }',
        'user: { exec: { command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always } }',
      ),
      {},
      /interactiveMode "Always"/,
    ],
    [
      'an exec plugin with env that is not name/value',
      BASE.replace(
        'user: { token: abc }',
        'user: { exec: { command: aws, apiVersion: client.authentication.k8s.io/v1, env: [{ name: A }] } }',
      ),
      {},
      /exec env entry for user "u1"/,
    ],
    ['no current-context', BASE.replace('current-context: dev\n', ''), {}, /no current-context/],
    ['not YAML', '{ [', {}, /not YAML/],
  ])('refuses %s with exit 2', async (_what, text, access, message) => {
    const file = kubeconfig(`bad-${Math.random()}.yaml`, text);
    const error = await connectionFor(access, { kubeconfigFiles: [file], home: dir }, 'r').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('with server: and tokenFile: in the spec, no kubeconfig is read', async () => {
    writeFileSync(join(dir, 'spec-token'), 'spec-token\n');
    const c = await connectionFor(
      { server: 'https://127.0.0.1:1', tokenFile: join(dir, 'spec-token') },
      { kubeconfigFiles: [join(dir, 'missing.yaml')], home: dir },
      'r',
    );
    expect(c).toMatchObject({ server: 'https://127.0.0.1:1', token: 'spec-token' });
  });

  it('without any credentials, exit 2 says where they come from', async () => {
    const error = await connectionFor({}, undefined, 'r').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).hint).toMatch(/KUBECONFIG/);
  });
});

describe('REST paths', () => {
  it('core group under /api, others under /apis; names encoded', () => {
    expect(
      objectPath(
        { apiVersion: 'v1', kind: 'Service', namespace: 'm', name: 's' },
        { resource: 'services', group: '' },
      ),
    ).toBe('/api/v1/namespaces/m/services/s');
    expect(
      objectPath(
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          namespace: 'm',
          name: 'a/b',
        },
        { resource: 'httproutes', group: 'gateway.networking.k8s.io' },
      ),
    ).toBe('/apis/gateway.networking.k8s.io/v1/namespaces/m/httproutes/a%2Fb');
  });
});

describe('rollout spec: kserve router', () => {
  it('reads it; stable and canary must differ', () => {
    const spec = parseRolloutSpec(
      'stable: v1\ncanary: v2\nrouter: { type: kserve, namespace: models, inferenceService: model, stable: v1, canary: v2 }\n',
      'rollout.yml',
    );
    expect(spec.router).toEqual({
      type: 'kserve',
      namespace: 'models',
      inferenceService: 'model',
      stable: 'v1',
      canary: 'v2',
    });
    expect(() =>
      parseRolloutSpec(
        'stable: v1\ncanary: v2\nrouter: { type: kserve, namespace: models, inferenceService: model, stable: v1, canary: v1 }\n',
        'rollout.yml',
      ),
    ).toThrow(UsageError);
  });
});
