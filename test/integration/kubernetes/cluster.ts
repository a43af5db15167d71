/**
 * A real Kubernetes control plane for the Kubernetes routers' tests: etcd and kube-apiserver
 * v1.37.2 (built by scripts/install/kubernetes.sh into a version-keyed cache) on free loopback
 * ports, static-token auth (an admin in system:masters and a `narrow` user with no rights until
 * a test binds a Role), RBAC authorization, the Gateway API / Argo Rollouts / KServe CRDs
 * installed by server-side apply. Everything started is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeHttp, type KubeObject } from '../../../src/clients/routers/kubernetes/api.js';
import { freePort, waitFor } from '../services/binaries.js';

const K8S_VERSION = 'v1.37.2';
const CACHE = join(
  process.env.SLUICE_CACHE_DIR ?? join(homedir(), '.cache', 'sluice'),
  `kubernetes-${K8S_VERSION}`,
);
const BUILD_WAIT_MS = 40 * 60_000;

/**
 * Waits for scripts/install/kubernetes.sh's background build (the `build.done` marker). Fails
 * (no skip) when the build failed, or when no build ran and none runs.
 */
async function waitForBuild(timeoutMs = BUILD_WAIT_MS): Promise<string> {
  const bin = join(CACHE, 'bin');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(join(CACHE, 'build.done'))) return bin;
    if (existsSync(join(CACHE, 'build.failed'))) {
      const log = existsSync(join(CACHE, 'build.log'))
        ? readFileSync(join(CACHE, 'build.log'), 'utf8').split('\n').slice(-30).join('\n')
        : '';
      throw new Error(`the Kubernetes build failed (${join(CACHE, 'build.log')}):\n${log}`);
    }
    const pidFile = join(CACHE, 'build.pid');
    const running =
      existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, 'utf8').trim() || '0'));
    if (!running)
      throw new Error(
        `kube-apiserver ${K8S_VERSION} is not built and no build runs: run \`bash scripts/install/kubernetes.sh\` first`,
      );
    if (Date.now() > deadline)
      throw new Error(`the Kubernetes build did not finish within ${timeoutMs / 60_000} min`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface TestCluster {
  server: string;
  adminToken: string;
  narrowToken: string;
  /** A file holding the token (what a router's tokenFile names). */
  adminTokenFile: string;
  narrowTokenFile: string;
  /** Requests as the admin (system:masters). */
  admin: KubeHttp;
  /** Applies objects as the admin (server-side apply, field manager `sluice-test`). */
  apply(objects: KubeObject[], options?: { subresource?: string; manager?: string }): Promise<void>;
  /** Reads one object as the admin, by its REST path. */
  get(path: string): Promise<KubeObject>;
  /** Kills kube-apiserver (SIGKILL) as an outage would. */
  killApiServer(): Promise<void>;
  stop(): Promise<void>;
  /** The server processes' output so far (for a failing test's message). */
  logs(): string;
  /**
   * Starts kube-controller-manager, kube-scheduler and kwok (one fake node whose pods become
   * Ready without a kubelet): Deployments roll out and EndpointSlices follow Services.
   */
  startControllers(): Promise<void>;
}

export async function startCluster(): Promise<TestCluster> {
  const bin = await waitForBuild();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-k8s-'));
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const started = (name: string, child: ChildProcess) => {
    children.push(child);
    const keep = (chunk: Buffer) => {
      output.push(`[${name}] ${chunk.toString()}`);
      if (output.length > 400) output.splice(0, output.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  };
  const stop = async () => {
    for (const child of [...children].reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    started(
      'etcd',
      spawn(
        'etcd',
        [
          '--name=sluice-test',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=sluice-test=${peerUrl}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const adminToken = randomBytes(24).toString('hex');
    const narrowToken = randomBytes(24).toString('hex');
    await writeFile(
      join(dir, 'tokens.csv'),
      `${adminToken},admin,uid-admin,"system:masters"\n${narrowToken},narrow,uid-narrow\n`,
      { mode: 0o600 },
    );
    const adminTokenFile = join(dir, 'admin.token');
    const narrowTokenFile = join(dir, 'narrow.token');
    await writeFile(adminTokenFile, adminToken, { mode: 0o600 });
    await writeFile(narrowTokenFile, narrowToken, { mode: 0o600 });
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'sa.key'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, 'sa.pub'), keys.publicKey.export({ type: 'spki', format: 'pem' }));
    await waitFor(() => tcpHealthy(`${etcdUrl}/health`), 'etcd', 20_000);

    const apiServer = started(
      'kube-apiserver',
      spawn(
        join(bin, 'kube-apiserver'),
        [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          '--endpoint-reconciler-type=none',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(dir, 'certs')}`,
          `--token-auth-file=${join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          '--service-cluster-ip-range=10.96.0.0/24',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    await waitFor(
      async () => (await httpsGet(`${server}/readyz`, adminToken)) === 200,
      `kube-apiserver at ${server}`,
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${output.slice(-20).join('')}`);
    });

    const admin = new KubeHttp({
      server,
      token: adminToken,
      insecureSkipTlsVerify: true,
      timeoutMs: 30_000,
    });
    const apply = async (
      objects: KubeObject[],
      options: { subresource?: string; manager?: string } = {},
    ) => {
      for (const object of objects) {
        const path = `${restPath(object)}${options.subresource ? `/${options.subresource}` : ''}`;
        const answer = await admin.request(
          'PATCH',
          `${path}?fieldManager=${options.manager ?? 'sluice-test'}&force=true`,
          {
            body: JSON.stringify(object),
            contentType: 'application/apply-patch+yaml',
          },
        );
        if (answer.status >= 300)
          throw new Error(`apply ${path}: HTTP ${answer.status}: ${answer.body.slice(0, 500)}`);
      }
    };
    const get = async (path: string) => {
      const answer = await admin.request('GET', path);
      if (answer.status !== 200)
        throw new Error(`GET ${path}: HTTP ${answer.status}: ${answer.body.slice(0, 500)}`);
      return JSON.parse(answer.body) as KubeObject;
    };
    // The CRDs the routers drive, from the install script's cache.
    const crdDir = join(CACHE, 'crds');
    const crds: KubeObject[] = [];
    for (const file of (await readdir(crdDir)).filter((f) => f.endsWith('.yaml')).sort())
      for (const doc of parseAllDocuments(await readFile(join(crdDir, file), 'utf8'))) {
        const object = doc.toJS() as KubeObject | null;
        if (object?.kind === 'CustomResourceDefinition') crds.push(object);
      }
    await apply(crds);
    await waitFor(
      async () => {
        for (const crd of crds) {
          const read = (await get(
            `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata!.name!}`,
          )) as KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
          if (
            !read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          )
            return false;
        }
        return true;
      },
      'the CRDs to be established',
      60_000,
    );
    const startControllers = async () => {
      const kubeconfig = join(dir, 'admin.kubeconfig');
      await writeFile(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'admin',
          clusters: [{ name: 'test', cluster: { server, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'admin', user: { token: adminToken } }],
          contexts: [{ name: 'admin', context: { cluster: 'test', user: 'admin' } }],
        }),
        { mode: 0o600 },
      );
      const [kcmPort, schedulerPort, kwokPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      started(
        'kube-controller-manager',
        spawn(
          join(bin, 'kube-controller-manager'),
          [
            `--kubeconfig=${kubeconfig}`,
            `--authentication-kubeconfig=${kubeconfig}`,
            `--authorization-kubeconfig=${kubeconfig}`,
            '--leader-elect=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${kcmPort}`,
            `--cert-dir=${join(dir, 'kcm-certs')}`,
            '--controllers=*,-nodeipam',
            `--service-account-private-key-file=${join(dir, 'sa.key')}`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      started(
        'kube-scheduler',
        spawn(
          join(bin, 'kube-scheduler'),
          [
            `--kubeconfig=${kubeconfig}`,
            `--authentication-kubeconfig=${kubeconfig}`,
            `--authorization-kubeconfig=${kubeconfig}`,
            '--leader-elect=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${schedulerPort}`,
            `--cert-dir=${join(dir, 'scheduler-certs')}`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      const stages = (await readdir(join(CACHE, 'kwok-stages')))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => `--config=${join(CACHE, 'kwok-stages', f)}`);
      started(
        'kwok',
        spawn(
          join(bin, 'kwok'),
          [
            `--kubeconfig=${kubeconfig}`,
            '--manage-all-nodes=false',
            '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
            '--node-ip=127.0.0.1',
            `--server-address=127.0.0.1:${kwokPort}`,
            ...stages,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      await apply([
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: 'kwok-node-0',
            annotations: { 'kwok.x-k8s.io/node': 'fake' },
            labels: { type: 'kwok', 'kubernetes.io/hostname': 'kwok-node-0' },
          },
        },
      ]);
      await apply(
        [
          {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: { name: 'kwok-node-0' },
            status: {
              allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
              capacity: { cpu: '32', memory: '256Gi', pods: '110' },
            },
          },
        ],
        { subresource: 'status', manager: 'sluice-test-node' },
      );
    };
    return {
      server,
      adminToken,
      narrowToken,
      adminTokenFile,
      narrowTokenFile,
      admin,
      apply,
      get,
      killApiServer: () => stopChild(apiServer, 'SIGKILL'),
      stop,
      logs: () => output.join(''),
      startControllers,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The REST path of an object from its apiVersion and kind (the kinds these tests use). */
function restPath(object: KubeObject): string {
  const plural: Record<string, string> = {
    CustomResourceDefinition: 'customresourcedefinitions',
    Namespace: 'namespaces',
    Node: 'nodes',
    Service: 'services',
    ConfigMap: 'configmaps',
    ServiceAccount: 'serviceaccounts',
    Deployment: 'deployments',
    HTTPRoute: 'httproutes',
    Role: 'roles',
    RoleBinding: 'rolebindings',
    InferenceService: 'inferenceservices',
    Rollout: 'rollouts',
    EndpointSlice: 'endpointslices',
  };
  const kind = object.kind ?? '';
  const resource = plural[kind];
  if (!resource) throw new Error(`restPath: add the plural of ${kind}`);
  const apiVersion = object.apiVersion ?? 'v1';
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = object.metadata?.namespace;
  return `${base}${ns ? `/namespaces/${ns}` : ''}/${resource}/${object.metadata?.name ?? ''}`;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, signal);
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function tcpHealthy(url: string): Promise<boolean> {
  const answer = await fetch(url).catch(() => undefined);
  return answer?.ok === true;
}

/** GET over TLS with the apiserver's self-signed certificate; the status code. */
function httpsGet(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
