/**
 * kubeconfig users with an `exec` credential plugin (as EKS, GKE and AKS write them) against a
 * real kube-apiserver (test/integration/kubernetes/cluster.ts, static token auth). The plugin is
 * a shell script written here: it counts its runs in a file and prints an ExecCredential with a
 * token the API server's token file knows, or fails in the ways a real one does.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfraError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { createKubeApi } from '../../../src/clients/routers/kubernetes/api.js';
import { createMasker } from '../../../src/platforms/masker.js';
import { startCluster, type TestCluster } from './cluster.js';

const NS = 'exec-plugin';
const API = 'client.authentication.k8s.io/v1';
let cluster: TestCluster;
let dir: string;
let script: string;

const PLUGIN = `#!/bin/sh
echo run >> "$COUNT_FILE"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$COUNT_FILE.info"
runs=$(wc -l < "$COUNT_FILE")
case "$MODE" in
  ok) printf '{"apiVersion":"${API}","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "$TOKEN" "$EXPIRY" ;;
  stale)
    if [ "$runs" -eq 1 ]; then t=revoked-token; else t="$TOKEN"; fi
    printf '{"apiVersion":"${API}","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}' "$t" ;;
  fail) echo "$TOKEN"; echo "error: no SSO session for profile ci" >&2; exit 1 ;;
  junk) echo "token=$TOKEN" ;;
  hang) exec sleep 60 ;;
esac
`;

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
  await cluster.apply([
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'probe', namespace: NS },
      data: { a: '1' },
    },
  ]);
  dir = await mkdtemp(join(tmpdir(), 'sluice-exec-plugin-'));
  script = join(dir, 'token-plugin.sh');
  await writeFile(script, PLUGIN);
  await chmod(script, 0o755);
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

let counter = 0;
/** A kubeconfig whose user runs the plugin in `mode`; returns it and the plugin's run counter. */
async function setup(mode: string, expiry = '2999-01-01T00:00:00Z', command = './token-plugin.sh') {
  counter += 1;
  const countFile = join(dir, `runs-${counter}`);
  const kubeconfig = join(dir, `kubeconfig-${counter}.yaml`);
  const env = { MODE: mode, TOKEN: cluster.adminToken, EXPIRY: expiry, COUNT_FILE: countFile };
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      contexts: [{ name: 'test', context: { cluster: 'local', user: 'cloud-user' } }],
      clusters: [
        { name: 'local', cluster: { server: cluster.server, 'insecure-skip-tls-verify': true } },
      ],
      users: [
        {
          name: 'cloud-user',
          user: {
            exec: {
              apiVersion: API,
              command,
              args: ['--cluster', 'local'],
              env: Object.entries(env).map(([name, value]) => ({ name, value })),
              installHint: 'install token-plugin from the team wiki',
              interactiveMode: 'Never',
            },
          },
        },
      ],
    }),
  );
  const runs = async () =>
    (await readFile(countFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  return { kubeconfig, runs, countFile };
}

/** Reads the ConfigMap beforeAll made, through the client. */
function probe(api: Awaited<ReturnType<typeof createKubeApi>>) {
  return api.get(
    { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'probe' },
    { resource: 'configmaps', group: '' },
  );
}

async function api(kubeconfig: string, timeoutMs?: number) {
  return createKubeApi({ timeoutMs: 5000 }, { kubeconfigFiles: [kubeconfig], home: dir }, 'test', {
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

async function infra(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfraError);
  expect((error as InfraError).exitCode).toBe(3);
  return error as InfraError;
}

describe('a kubeconfig exec credential plugin on a real API server', () => {
  it('a gateway-api rollout step and read-back work; the plugin runs once for all the calls; the token is masked', async () => {
    await cluster.apply([
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'model', namespace: NS },
        spec: {
          parentRefs: [{ name: 'gateway' }],
          rules: [
            {
              backendRefs: [
                { name: 'model-v1', port: 8080, weight: 100 },
                { name: 'model-v2', port: 8080, weight: 0 },
              ],
            },
          ],
        },
      },
    ]);
    const { kubeconfig, runs, countFile } = await setup('ok');
    const logged: string[] = [];
    const log = (m: string) => void logged.push(m);
    const logger: Logger = {
      debug: log,
      info: log,
      warn: log,
      error: log,
      group: (_t, run) => run(),
    };
    const masker = createMasker();
    const router = createTrafficRouter(
      {
        type: 'gateway-api',
        namespace: NS,
        route: 'model',
        backends: { v1: 'model-v1', v2: 'model-v2' },
      },
      {
        exec: createExecaExec({ masker }),
        logger,
        masker,
        kubernetes: { kubeconfigFiles: [kubeconfig], home: dir },
      },
    );
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });
    await router.setWeights({ v1: 90, v2: 10 });
    expect(await router.readBack()).toEqual({ weights: { v1: 90, v2: 10 } });
    await router.setWeights({ v1: 100, v2: 0 });
    expect(await runs()).toBe(1);
    expect(JSON.parse(await readFile(`${countFile}.info`, 'utf8'))).toEqual({
      apiVersion: API,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    expect(masker.mask(`Bearer ${cluster.adminToken}`)).not.toContain(cluster.adminToken);
    expect(logged.join('\n')).not.toContain(cluster.adminToken);
  });

  it('an expired credential runs the plugin again on the next call', async () => {
    const { kubeconfig, runs } = await setup('ok', '2000-01-01T00:00:00Z');
    const client = await api(kubeconfig);
    await probe(client);
    await probe(client);
    expect(await runs()).toBe(2);
  });

  it('a token the server refuses (401) runs the plugin again, once, and the call succeeds', async () => {
    const { kubeconfig, runs } = await setup('stale');
    const cm = await probe(await api(kubeconfig));
    expect(cm.metadata?.name).toBe('probe');
    expect(await runs()).toBe(2);
  });

  it.each([
    ['exits 1', 'fail', /failed: .*exited 1: .*no SSO session/],
    ['prints something other than JSON', 'junk', /printed something that is not JSON/],
  ])(
    'a plugin that %s: exit 3 naming the command and user, no token',
    async (_what, mode, message) => {
      const { kubeconfig } = await setup(mode);
      const error = await infra(probe(await api(kubeconfig)));
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/token-plugin\.sh of kubeconfig user "cloud-user"/);
      expect(`${error.message}\n${error.hint ?? ''}`).not.toContain(cluster.adminToken);
    },
  );

  it('a plugin that hangs is stopped at the timeout: exit 3, bounded', async () => {
    const { kubeconfig } = await setup('hang');
    const started = Date.now();
    const error = await infra(probe(await api(kubeconfig, 1000)));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.message).toMatch(
      /token-plugin\.sh of kubeconfig user "cloud-user" failed: .*did not finish within 1s/,
    );
  }, 30_000);

  it('a plugin that is not installed: exit 2 with the kubeconfig installHint', async () => {
    const { kubeconfig } = await setup('ok', undefined, 'sluice-no-such-token-plugin');
    const error = await probe(await api(kubeconfig)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /sluice-no-such-token-plugin .* is not installed or not on PATH/,
    );
    expect((error as { exitCode?: number }).exitCode).toBe(2);
    expect((error as { hint?: string }).hint).toBe('install token-plugin from the team wiki');
  });
});
