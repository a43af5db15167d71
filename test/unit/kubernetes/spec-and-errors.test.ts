import { describe, expect, it } from 'vitest';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import {
  ConflictError,
  KubeStatusError,
  mapError,
} from '../../../src/clients/routers/kubernetes/api.js';
import { kubernetesEnvironment } from '../../../src/platforms/kubernetes-env.js';

const VERSIONS = 'stable: v1\ncanary: v2\n';

function usage(text: string): UsageError {
  try {
    parseRolloutSpec(text, 'rollout.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

describe('rollout spec: Kubernetes routers', () => {
  it('reads a gateway-api router with its access keys', () => {
    const spec = parseRolloutSpec(
      `${VERSIONS}router:\n  type: gateway-api\n  namespace: models\n  route: model\n  rule: 1\n  backends: { v1: model-v1, v2: model-v2 }\n  server: https://127.0.0.1:6443\n  tokenFile: /tmp/t\n  insecureSkipTlsVerify: true\n  timeout: 5s\n`,
      'rollout.yml',
    );
    expect(spec.router).toEqual({
      type: 'gateway-api',
      namespace: 'models',
      route: 'model',
      rule: 1,
      backends: { v1: 'model-v1', v2: 'model-v2' },
      server: 'https://127.0.0.1:6443',
      tokenFile: '/tmp/t',
      insecureSkipTlsVerify: true,
      timeoutMs: 5000,
    });
  });

  it('reads a service-switch router', () => {
    const spec = parseRolloutSpec(
      `${VERSIONS}strategy: blue-green\nrouter: { type: service-switch, namespace: models, service: model, selectorKey: app.kubernetes.io/version, deployments: { v1: model-blue, v2: model-green }, selectorValues: { v1: blue, v2: green } }\n`,
      'rollout.yml',
    );
    expect(spec.router).toMatchObject({
      type: 'service-switch',
      selectorKey: 'app.kubernetes.io/version',
      deployments: { v1: 'model-blue', v2: 'model-green' },
      selectorValues: { v1: 'blue', v2: 'green' },
    });
  });

  it.each([
    [
      'a name the API server refuses',
      'router: { type: gateway-api, namespace: Models, route: model, backends: { v1: a } }',
      'router.namespace',
    ],
    [
      'a backend that is no name',
      'router: { type: gateway-api, namespace: m, route: model, backends: { v1: "a/../b" } }',
      'router.backends.v1',
    ],
    [
      'a missing route',
      'router: { type: gateway-api, namespace: m, backends: { v1: a } }',
      'router.route',
    ],
    [
      'an unknown key',
      'router: { type: gateway-api, namespace: m, route: r, backends: { v1: a }, token: abc }',
      'router.token',
    ],
    [
      'a selector key that is no label key',
      'router: { type: service-switch, namespace: m, service: s, selectorKey: "a b", deployments: { v1: d } }',
      'router.selectorKey',
    ],
    [
      'a selector value that is no label value',
      'router: { type: service-switch, namespace: m, service: s, selectorKey: v, deployments: { v1: d }, selectorValues: { v1: "x y" } }',
      'router.selectorValues.v1',
    ],
    [
      'insecureSkipTlsVerify not a boolean',
      'router: { type: gateway-api, namespace: m, route: r, backends: { v1: a }, insecureSkipTlsVerify: "yes" }',
      'router.insecureSkipTlsVerify',
    ],
  ])('refuses %s, naming the key', (_what, router, key) => {
    const e = usage(`${VERSIONS}${router}\n`);
    expect(e.place?.key ?? '').toContain(key);
  });
});

describe('Kubernetes API errors', () => {
  const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'models', name: 'model' };
  const rbac = { resource: 'services', group: '' };
  const server = 'https://127.0.0.1:6443';

  it('a 403 is exit 3 naming the verb and the resource', () => {
    const e = mapError(
      new KubeStatusError(403, '{"message":"forbidden"}'),
      'patch',
      ref,
      rbac,
      server,
    );
    expect(e).toBeInstanceOf(InfraError);
    expect((e as InfraError).exitCode).toBe(3);
    expect(e.message).toContain('verb "patch" on resource "services"');
    expect((e as InfraError).hint).toContain('verbs: ["patch"]');
  });

  it('a 409 is a conflict to retry; a 404 is the spec naming a missing object', () => {
    expect(mapError({ code: 409, body: {} }, 'patch', ref, rbac, server)).toBeInstanceOf(
      ConflictError,
    );
    expect(mapError({ code: 404, body: {} }, 'get', ref, rbac, server)).toBeInstanceOf(UsageError);
  });

  it('a refused connection is exit 3 naming the API server', () => {
    const error = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const e = mapError(error, 'get', ref, rbac, server);
    expect(e).toBeInstanceOf(InfraError);
    expect(e.message).toContain(`${server} is unreachable (ECONNREFUSED)`);
  });

  it('a server message is bounded and kept to one line', () => {
    const e = mapError(
      { code: 500, body: { message: `a\nb${'x'.repeat(5000)}` } },
      'get',
      ref,
      rbac,
      server,
    );
    expect(e.message.length).toBeLessThan(600);
    expect(e.message).not.toContain('\n');
  });
});

describe('kubernetesEnvironment', () => {
  it('reads KUBECONFIG lists and the in-cluster marker from the env it is given', () => {
    expect(
      kubernetesEnvironment({ KUBECONFIG: '/a:/b', KUBERNETES_SERVICE_HOST: '10.0.0.1' }),
    ).toMatchObject({
      kubeconfigFiles: ['/a', '/b'],
      inClusterServer: 'https://10.0.0.1:443',
    });
    expect(kubernetesEnvironment({})).toEqual({ kubeconfigFiles: [], home: expect.any(String) });
  });
});
