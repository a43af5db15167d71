import { isScalar, type Node } from 'yaml';
import { UsageError } from '../errors.js';
import type { TrafficCapabilities } from '../ports.js';
import type { CanaryStep, KubernetesAccessConfig, RouterConfig } from './model.js';
import type { YamlReader } from './yaml-reader.js';

/**
 * The `router:` of the rollout spec, one reader per router type (builtin, nginx, HAProxy, and the
 * Kubernetes ones: Gateway API, Service selector switch, KServe), and the `router` input.
 */

/** Keys for reaching the Kubernetes API server, shared by the Kubernetes routers. */
const KUBERNETES_ACCESS_KEYS = [
  'server',
  'tokenFile',
  'caFile',
  'insecureSkipTlsVerify',
  'context',
  'timeout',
] as const;
/**
 * The keys each router type accepts (docs/rollout.md documents every one of them:
 * test/unit/rollout/spec-routers.test.ts checks it).
 */
export const ROUTER_KEYS = {
  builtin: ['type', 'admin', 'timeout'],
  nginx: [
    'type',
    'upstreamFile',
    'upstream',
    'servers',
    'reload',
    'prefix',
    'conf',
    'test',
    'mirrorFile',
    'headerRoutes',
    'pidFile',
    'reloadTimeout',
  ],
  haproxy: ['type', 'socket', 'backend', 'servers', 'timeout', 'headerMap', 'header'],
  'gateway-api': ['type', 'namespace', 'route', 'rule', 'backends', ...KUBERNETES_ACCESS_KEYS],
  'service-switch': [
    'type',
    'namespace',
    'service',
    'selectorKey',
    'deployments',
    'selectorValues',
    'waitForEndpoints',
    'endpointsTimeout',
    ...KUBERNETES_ACCESS_KEYS,
  ],
  kserve: ['type', 'namespace', 'inferenceService', 'stable', 'canary', ...KUBERNETES_ACCESS_KEYS],
  'argo-rollouts': [
    'type',
    'namespace',
    'rollout',
    'container',
    'image',
    'deadline',
    'poll',
    ...KUBERNETES_ACCESS_KEYS,
  ],
} as const satisfies Record<RouterConfig['type'], readonly string[]>;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** What the nginx client accepts (src/clients/routers/nginx.ts): names written into its files. */
const NGINX_UPSTREAM = /^[A-Za-z0-9_]{1,64}$/;
const NGINX_SERVER = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:.]{2,45}\]):\d{1,5}$/;
const NGINX_VERSION = /^[A-Za-z0-9_.-]{1,64}$/;
/** HAProxy names (backend, server): nothing the runtime API would read as a separator. */
const HAPROXY_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** `servers:` of nginx and HAProxy: version → server, each checked, no server twice. */
function checkServers(
  y: YamlReader,
  servers: Record<string, string>,
  node: Node | null,
  path: string,
  rules: {
    version?: RegExp;
    versionWhat?: string;
    server: RegExp;
    serverWhat: string;
    serverExample: string;
  },
): void {
  const seen = new Map<string, string>();
  for (const [version, server] of Object.entries(servers)) {
    if (rules.version && !rules.version.test(version))
      throw y.error(
        `${path} has the version name ${JSON.stringify(version.slice(0, 80))}, which this router cannot use`,
        node,
        `${path}.${version}`,
        rules.versionWhat ?? '',
      );
    if (!rules.server.test(server))
      throw y.error(
        `${path}.${version} must be ${rules.serverWhat}, not ${JSON.stringify(server.slice(0, 80))}`,
        node,
        `${path}.${version}`,
        `e.g. ${version}: ${rules.serverExample}`,
      );
    const other = seen.get(server);
    if (other !== undefined)
      throw y.error(
        `${path}: ${other} and ${version} have the same server ${server}`,
        node,
        `${path}.${version}`,
        'each version needs its own server',
      );
    seen.set(server, version);
  }
}

/** `builtin:http://127.0.0.1:9901`: the `router` input (other routers need the spec). */
export function parseRouterInput(text: string): RouterConfig {
  const match = /^builtin:(https?:\/\/.+)$/.exec(text.trim());
  let url: URL | undefined;
  try {
    url = match && /^[\x21-\x7e]+$/.test(match[1]!) ? new URL(match[1]!) : undefined;
  } catch {
    url = undefined;
  }
  if (!match || !url) {
    throw new UsageError(
      `router ${JSON.stringify(text.slice(0, 200))} is not builtin:<admin url>`,
      {
        place: { key: 'router' },
        hint: 'e.g. builtin:http://127.0.0.1:9901; nginx and HAProxy are configured in the spec file (router:)',
      },
    );
  }
  if (url.protocol !== 'http:' || url.username || url.password || url.search || url.hash)
    throw new UsageError(
      `router ${JSON.stringify(text.slice(0, 200))}: the built-in router's admin address must be plain http://host:port`,
      {
        place: { key: 'router' },
        hint: 'e.g. builtin:http://127.0.0.1:9901 (no https, credentials, query or #)',
      },
    );
  return { type: 'builtin', admin: match[1]! };
}

/**
 * What a router configured so can do, without contacting it. Kept equal to each router client's
 * `capabilities` (test/unit/rollout/shadow.test.ts, test/unit/rollout/spec-routers.test.ts).
 */
export function routerCapabilities(config: RouterConfig): TrafficCapabilities {
  switch (config.type) {
    case 'builtin':
      return { weights: true, mirror: true, headerRouting: true };
    case 'nginx':
      return { weights: true, mirror: config.mirrorFile !== undefined, headerRouting: false };
    case 'haproxy':
    case 'kserve':
      return { weights: true, mirror: false, headerRouting: false };
    case 'gateway-api':
      return { weights: true, mirror: false, headerRouting: true };
    case 'service-switch':
    case 'argo-rollouts':
      return { weights: false, mirror: false, headerRouting: false };
  }
}

/** Why a router configured so cannot mirror (strategy: shadow), or undefined when it can. */
export function mirrorSupport(config: RouterConfig): string | undefined {
  if (routerCapabilities(config).mirror) return undefined;
  return config.type === 'nginx'
    ? 'the nginx router mirrors only with mirrorFile (an include file in its server block)'
    : `the ${config.type} router cannot mirror requests`;
}

/** Routers that split by weight, for hints. */
const WEIGHT_ROUTERS = 'builtin, nginx, haproxy, gateway-api or kserve';

/**
 * Why canary steps cannot run on this router (a weight strictly between 0 and 100 on a router
 * that only switches), or undefined. Argo Rollouts is left to its own check: its controller
 * holds the weights.
 */
export function weightSupport(
  config: RouterConfig,
  steps: readonly CanaryStep[],
): { step: CanaryStep; index: number; why: string; hint: string } | undefined {
  if (config.type === 'argo-rollouts' || routerCapabilities(config).weights) return undefined;
  const index = steps.findIndex((s) => 'setWeight' in s && s.setWeight > 0 && s.setWeight < 100);
  if (index < 0) return undefined;
  const step = steps[index]!;
  return {
    step,
    index,
    why: `the ${config.type} router switches all traffic at once and cannot split it: setWeight ${'setWeight' in step ? step.setWeight : ''} cannot run`,
    hint: `use strategy: blue-green with this router (preview, switch, post-promotion analysis), or a router that splits by weight (${WEIGHT_ROUTERS}) for a canary`,
  };
}

/**
 * The version names a router configured so lists (servers, backends, deployments), with the key
 * that lists them; undefined for routers that learn the versions elsewhere.
 */
export function listedVersions(config: RouterConfig): { key: string; names: string[] } | undefined {
  switch (config.type) {
    case 'nginx':
    case 'haproxy':
      return { key: 'servers', names: Object.keys(config.servers) };
    case 'gateway-api':
      return { key: 'backends', names: Object.keys(config.backends) };
    case 'service-switch':
      return { key: 'deployments', names: Object.keys(config.deployments) };
    case 'kserve':
      return { key: 'stable/canary', names: [config.stable, config.canary] };
    default:
      return undefined;
  }
}

export function readRouter(y: YamlReader, node: Node | null, path: string): RouterConfig {
  const type = y.typeOf(node, path, [
    'builtin',
    'nginx',
    'haproxy',
    'gateway-api',
    'service-switch',
    'kserve',
    'argo-rollouts',
  ] as const);
  const example = 'router: { type: builtin, admin: http://127.0.0.1:9901 }';
  switch (type) {
    case 'builtin': {
      let admin: string | undefined;
      let timeoutMs: number | undefined;
      for (const [key, value] of y.entries(node, path, ROUTER_KEYS.builtin, example)) {
        if (key === 'admin') admin = builtinAdmin(y, value, `${path}.admin`);
        else if (key === 'timeout') timeoutMs = y.duration(value, `${path}.timeout`);
      }
      return {
        type,
        admin: y.required(admin, node, `${path}.admin`, 'http://127.0.0.1:9901'),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      };
    }
    case 'nginx': {
      const out: Partial<Extract<RouterConfig, { type: 'nginx' }>> = { type };
      for (const [key, value] of y.entries(
        node,
        path,
        ROUTER_KEYS.nginx,
        'router: { type: nginx, upstreamFile: /etc/nginx/conf.d/model.conf, upstream: model, servers: { v1: 127.0.0.1:8081, v2: 127.0.0.1:8082 } }',
      )) {
        const p = `${path}.${key}`;
        if (key === 'upstreamFile')
          out.upstreamFile = y.string(value, p, '/etc/nginx/conf.d/model.conf');
        else if (key === 'upstream') {
          out.upstream = y.string(value, p, 'model');
          if (!NGINX_UPSTREAM.test(out.upstream))
            throw y.error(
              `${p} must be an nginx upstream name, not ${JSON.stringify(out.upstream.slice(0, 80))}`,
              value,
              p,
              'letters, digits and _ only, e.g. model',
            );
        } else if (key === 'servers') {
          out.servers = y.stringMap(value, p, '{ v1: 127.0.0.1:8081 }');
          checkServers(y, out.servers, value, p, {
            version: NGINX_VERSION,
            versionWhat: 'letters, digits, _ . - (it becomes a comment in the upstream file)',
            server: NGINX_SERVER,
            serverWhat: 'host:port',
            serverExample: '127.0.0.1:8081',
          });
        } else if (key === 'reload') out.reload = y.stringList(value, p, '[nginx, -s, reload]');
        else if (key === 'prefix') out.prefix = y.string(value, p, '/usr/local/nginx');
        else if (key === 'conf') out.conf = y.string(value, p, '/etc/nginx/nginx.conf');
        else if (key === 'test') out.test = y.stringList(value, p, '[nginx, -t]');
        else if (key === 'mirrorFile')
          out.mirrorFile = y.string(value, p, '/etc/nginx/snippets/model-mirror.conf');
        else if (key === 'headerRoutes') {
          if (!isScalar(value) || typeof value.value !== 'boolean')
            throw y.error(`${p} must be true or false`, value, p, 'headerRoutes: true');
          out.headerRoutes = value.value;
        } else if (key === 'pidFile') out.pidFile = y.string(value, p, '/run/nginx.pid');
        else if (key === 'reloadTimeout') out.reloadTimeoutMs = y.duration(value, p);
      }
      y.required(out.upstreamFile, node, `${path}.upstreamFile`, '/etc/nginx/conf.d/model.conf');
      y.required(out.upstream, node, `${path}.upstream`, 'model');
      y.required(
        out.servers,
        node,
        `${path}.servers`,
        '{ v1: 127.0.0.1:8081, v2: 127.0.0.1:8082 }',
      );
      return out as RouterConfig;
    }
    case 'haproxy': {
      const out: Partial<Extract<RouterConfig, { type: 'haproxy' }>> = { type };
      for (const [key, value] of y.entries(
        node,
        path,
        ROUTER_KEYS.haproxy,
        'router: { type: haproxy, socket: /run/haproxy/admin.sock, backend: model, servers: { v1: s1, v2: s2 } }',
      )) {
        const p = `${path}.${key}`;
        if (key === 'socket') {
          out.socket = y.string(value, p, '/run/haproxy/admin.sock');
          if ([...out.socket].some((ch) => ch < ' ' || ch === '\x7f'))
            throw y.error(
              `${p} has a control character`,
              value,
              p,
              'a unix socket path or host:port, e.g. /run/haproxy/admin.sock',
            );
        } else if (key === 'backend') {
          out.backend = y.string(value, p, 'model');
          if (!HAPROXY_NAME.test(out.backend))
            throw y.error(
              `${p} must be an HAProxy name, not ${JSON.stringify(out.backend.slice(0, 80))}`,
              value,
              p,
              'letters, digits, _ . : - only, e.g. model',
            );
        } else if (key === 'servers') {
          out.servers = y.stringMap(value, p, '{ v1: s1 }');
          checkServers(y, out.servers, value, p, {
            server: HAPROXY_NAME,
            serverWhat: 'an HAProxy server name of the backend (letters, digits, _ . : -)',
            serverExample: 's1',
          });
        } else if (key === 'headerMap')
          out.headerMap = y.string(value, p, '/etc/haproxy/sluice-preview.map');
        else if (key === 'header') out.header = y.string(value, p, 'x-sluice-preview');
        else if (key === 'timeout') out.timeoutMs = y.duration(value, p);
      }
      y.required(out.socket, node, `${path}.socket`, '/run/haproxy/admin.sock');
      y.required(out.backend, node, `${path}.backend`, 'model');
      y.required(out.servers, node, `${path}.servers`, '{ v1: s1, v2: s2 }');
      return out as RouterConfig;
    }
    case 'gateway-api': {
      const out: Partial<Extract<RouterConfig, { type: 'gateway-api' }>> = { type };
      for (const [key, value] of y.entries(
        node,
        path,
        ROUTER_KEYS['gateway-api'],
        'router: { type: gateway-api, namespace: models, route: model, backends: { v1: model-v1, v2: model-v2 } }',
      )) {
        const p = `${path}.${key}`;
        if (key === 'namespace') out.namespace = k8sName(y, value, p, 'models');
        else if (key === 'route') out.route = k8sName(y, value, p, 'model');
        else if (key === 'rule')
          out.rule = y.number(value, p, { min: 0, max: 63, integer: true }, '0');
        else if (key === 'backends') {
          out.backends = y.stringMap(value, p, '{ v1: model-v1, v2: model-v2 }');
          for (const [version, name] of Object.entries(out.backends))
            k8sNameText(y, name, value, `${p}.${version}`, 'model-v1');
        } else k8sAccess(y, out, key, value, p);
      }
      y.required(out.namespace, node, `${path}.namespace`, 'models');
      y.required(out.route, node, `${path}.route`, 'model');
      y.required(out.backends, node, `${path}.backends`, '{ v1: model-v1, v2: model-v2 }');
      return out as RouterConfig;
    }
    case 'service-switch': {
      const out: Partial<Extract<RouterConfig, { type: 'service-switch' }>> = { type };
      for (const [key, value] of y.entries(
        node,
        path,
        ROUTER_KEYS['service-switch'],
        'router: { type: service-switch, namespace: models, service: model, selectorKey: version, deployments: { v1: model-blue, v2: model-green } }',
      )) {
        const p = `${path}.${key}`;
        if (key === 'namespace') out.namespace = k8sName(y, value, p, 'models');
        else if (key === 'service') out.service = k8sName(y, value, p, 'model');
        else if (key === 'selectorKey') {
          out.selectorKey = y.string(value, p, 'app.kubernetes.io/version');
          if (!LABEL_KEY.test(out.selectorKey))
            throw y.error(
              `${p} must be a label key, not ${JSON.stringify(out.selectorKey.slice(0, 80))}`,
              value,
              p,
              'e.g. app.kubernetes.io/version',
            );
        } else if (key === 'deployments') {
          out.deployments = y.stringMap(value, p, '{ v1: model-blue, v2: model-green }');
          for (const [version, name] of Object.entries(out.deployments))
            k8sNameText(y, name, value, `${p}.${version}`, 'model-blue');
        } else if (key === 'selectorValues') {
          out.selectorValues = y.stringMap(value, p, '{ v1: blue, v2: green }');
          for (const [version, label] of Object.entries(out.selectorValues))
            if (!LABEL_VALUE.test(label))
              throw y.error(
                `${p}.${version} must be a label value, not ${JSON.stringify(label.slice(0, 80))}`,
                value,
                `${p}.${version}`,
                'e.g. blue',
              );
        } else if (key === 'waitForEndpoints') {
          if (!isScalar(value) || typeof value.value !== 'boolean')
            throw y.error(`${p} must be true or false`, value, p, 'waitForEndpoints: true');
          out.waitForEndpoints = value.value;
        } else if (key === 'endpointsTimeout') out.endpointsTimeoutMs = y.duration(value, p);
        else k8sAccess(y, out, key, value, p);
      }
      y.required(out.namespace, node, `${path}.namespace`, 'models');
      y.required(out.service, node, `${path}.service`, 'model');
      y.required(out.selectorKey, node, `${path}.selectorKey`, 'app.kubernetes.io/version');
      y.required(
        out.deployments,
        node,
        `${path}.deployments`,
        '{ v1: model-blue, v2: model-green }',
      );
      return out as RouterConfig;
    }
    case 'kserve':
      return kserveRouter(y, node, path);
    case 'argo-rollouts':
      return argoRouter(y, node, path);
  }
}

const ARGO_EXAMPLE =
  'router: { type: argo-rollouts, namespace: models, rollout: model, container: model, image: registry.example.com/model:{{version}} }';
/** An image reference as a container takes it (no spaces or control characters, bounded). */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@{}]{0,511}$/;

/**
 * `type: argo-rollouts`: the version names are filled in by the spec reader (`stable`/`canary`
 * of the spec), as the read-back names them.
 */
function argoRouter(y: YamlReader, node: Node | null, path: string): RouterConfig {
  const out: Partial<Extract<RouterConfig, { type: 'argo-rollouts' }>> = {
    type: 'argo-rollouts',
    deadlineMs: 600_000,
    pollMs: 2000,
  };
  for (const [key, value] of y.entries(node, path, ROUTER_KEYS['argo-rollouts'], ARGO_EXAMPLE)) {
    const p = `${path}.${key}`;
    if (key === 'namespace') out.namespace = k8sName(y, value, p, 'models');
    else if (key === 'rollout') out.rollout = k8sName(y, value, p, 'model');
    else if (key === 'container') {
      out.container = y.string(value, p, 'model');
      if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(out.container))
        throw y.error(
          `${p} must be a container name (lower-case letters, digits and '-', at most 63), not ${JSON.stringify(out.container.slice(0, 80))}`,
          value,
          p,
          'e.g. model',
        );
    } else if (key === 'image') {
      out.image = y.string(value, p, 'registry.example.com/model:{{version}}');
      if (!IMAGE.test(out.image))
        throw y.error(
          `${p} must be an image reference, not ${JSON.stringify(out.image.slice(0, 80))}`,
          value,
          p,
          'e.g. registry.example.com/model:{{version}} ({{version}} becomes the canary’s name)',
        );
    } else if (key === 'deadline') {
      out.deadlineMs = y.duration(value, p);
      if (out.deadlineMs < 1000)
        throw y.error(`${p} must be at least 1s`, value, p, 'e.g. deadline: 10m');
    } else if (key === 'poll') {
      out.pollMs = y.duration(value, p);
      if (out.pollMs < 100 || out.pollMs > 60_000)
        throw y.error(`${p} must be between 100ms and 1m`, value, p, 'e.g. poll: 2s');
    } else k8sAccess(y, out, key, value, p);
  }
  y.required(out.namespace, node, `${path}.namespace`, 'models');
  y.required(out.rollout, node, `${path}.rollout`, 'model');
  y.required(out.container, node, `${path}.container`, 'model (the container running the model)');
  y.required(out.image, node, `${path}.image`, 'registry.example.com/model:{{version}}');
  return { ...out, stable: '', canary: '' } as RouterConfig;
}

function kserveRouter(y: YamlReader, node: Node | null, path: string): RouterConfig {
  const out: Partial<Extract<RouterConfig, { type: 'kserve' }>> = { type: 'kserve' };
  for (const [key, value] of y.entries(
    node,
    path,
    ROUTER_KEYS.kserve,
    'router: { type: kserve, namespace: models, inferenceService: model, stable: v1, canary: v2 }',
  )) {
    const p = `${path}.${key}`;
    if (key === 'namespace') out.namespace = k8sName(y, value, p, 'models');
    else if (key === 'inferenceService') out.inferenceService = k8sName(y, value, p, 'model');
    else if (key === 'stable') out.stable = y.string(value, p, 'v1');
    else if (key === 'canary') out.canary = y.string(value, p, 'v2');
    else k8sAccess(y, out, key, value, p);
  }
  y.required(out.namespace, node, `${path}.namespace`, 'models');
  y.required(out.inferenceService, node, `${path}.inferenceService`, 'model');
  y.required(out.stable, node, `${path}.stable`, 'v1 (the version of the previous revision)');
  y.required(out.canary, node, `${path}.canary`, 'v2 (the version of the latest revision)');
  if (out.stable === out.canary)
    throw y.error(`${path}.canary must differ from ${path}.stable`, node, `${path}.canary`, 'v2');
  return out as RouterConfig;
}

/** A Kubernetes object or namespace name (DNS-1123: what the API server accepts). */
function k8sName(y: YamlReader, node: Node | null, path: string, example: string): string {
  return k8sNameText(y, y.string(node, path, example), node, path, example);
}

function k8sNameText(
  y: YamlReader,
  text: string,
  node: Node | null,
  path: string,
  example: string,
): string {
  if (!DNS_NAME.test(text))
    throw y.error(
      `${path} must be a Kubernetes name (lower-case letters, digits, '-' and '.', at most 253), not ${JSON.stringify(text.slice(0, 80))}`,
      node,
      path,
      `e.g. ${example}`,
    );
  return text;
}

/** The keys every Kubernetes router shares: how to reach the API server. */
function k8sAccess(
  y: YamlReader,
  out: KubernetesAccessConfig,
  key: string,
  value: Node | null,
  p: string,
) {
  if (key === 'server') out.server = y.url(value, p);
  else if (key === 'tokenFile') out.tokenFile = y.string(value, p, '/var/run/secrets/token');
  else if (key === 'caFile') out.caFile = y.string(value, p, '/etc/kubernetes/ca.crt');
  else if (key === 'context') out.context = y.string(value, p, 'prod');
  else if (key === 'timeout') out.timeoutMs = y.duration(value, p);
  else if (key === 'insecureSkipTlsVerify') {
    if (!isScalar(value) || typeof value.value !== 'boolean')
      throw y.error(`${p} must be true or false`, value, p, 'insecureSkipTlsVerify: false');
    out.insecureSkipTlsVerify = value.value;
  }
}

/** The built-in router's admin address: plain http://host:port[/path], as its client takes it. */
function builtinAdmin(y: YamlReader, node: Node | null, path: string): string {
  const text = y.url(node, path, { credentials: false });
  const url = new URL(text);
  if (url.protocol !== 'http:' || url.search || url.hash)
    throw y.error(
      `${path} must be plain http://host:port, not ${JSON.stringify(text.slice(0, 100))}`,
      node,
      path,
      'e.g. http://127.0.0.1:9901 (the address `sluice router serve` gives its admin API; no https, query or #)',
    );
  return text;
}
