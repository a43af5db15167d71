import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { readUserText } from '../files/user-file.js';
import { UsageError } from '../errors.js';
import { inferDirection } from '../gate/direction.js';
import type {
  AnalysisMetric,
  AnalysisSpec,
  CanaryStep,
  CompareCondition,
  KubernetesAccessConfig,
  ProviderConfig,
  RolloutSpec,
  RouterConfig,
  Threshold,
  VersionRef,
} from './model.js';
import { YamlReader, parseDuration } from './yaml-reader.js';

/** Keys for reaching the Kubernetes API server, shared by the Kubernetes routers. */
const KUBERNETES_ACCESS_KEYS = [
  'server',
  'tokenFile',
  'caFile',
  'insecureSkipTlsVerify',
  'context',
  'timeout',
] as const;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * The rollout spec (rollout.yml). Names follow Argo Rollouts where it has one (docs/rollout.md
 * puts them side by side):
 *
 *   strategy: canary                      # or blue-green
 *   stable: { name: v1, url: http://127.0.0.1:8081 }
 *   canary: v2                            # a name alone is enough
 *   router: { type: builtin, admin: http://127.0.0.1:9901 }
 *   providers:                            # named, referred to by metrics
 *     prom: { type: prometheus, url: http://127.0.0.1:9090 }
 *   templates:                            # Argo AnalysisTemplate, by name
 *     errors:
 *       metrics:
 *         - name: error-rate
 *           provider: prom
 *           query: sum(rate(errors{version="{{version}}"}[1m]))
 *           interval: 30s
 *           count: 4
 *           successCondition: { max: 0.01 }
 *           failureCondition: { max: 0.05, max_regression: 0.5 }
 *   analysis: errors                      # background analysis for the whole canary
 *   steps:
 *     - setWeight: 10
 *     - pause: { duration: 1m }
 *     - analysis: { templates: [errors] }
 *   onInconclusive: rollback              # or wait
 *   onResume: rollback                    # or finish
 *
 * Every mistake is a UsageError (exit 2) with the file, the line and the key path.
 */

const DEFAULT_PAUSE_MS = 60_000;
const DEFAULT_WEIGHTS = [10, 25, 50] as const;

const TOP_KEYS = [
  'strategy',
  'stable',
  'canary',
  'router',
  'providers',
  'templates',
  'analysis',
  'steps',
  'previewAnalysis',
  'postPromotionAnalysis',
  'scaleDownDelay',
  'onInconclusive',
  'onResume',
  'waitTimeout',
] as const;
const METRIC_KEYS = [
  'name',
  'provider',
  'query',
  'interval',
  'count',
  'initialDelay',
  'successCondition',
  'failureCondition',
  'compare',
  'failureLimit',
  'consecutiveErrorLimit',
  'inconclusiveLimit',
] as const;
const CONDITION_KEYS = ['min', 'max', 'max_regression', 'direction'] as const;
const COMPARE_KEYS = ['kind', 'max_increase', 'confidence', 'min_samples'] as const;

/** What the command's inputs may override (`strategy`, `router`, `stable`, `canary`, `steps`). */
export interface SpecOverrides {
  strategy?: 'canary' | 'blue-green';
  router?: RouterConfig;
  stable?: string;
  canary?: string;
  /** From the `steps` input: `10:1m,25:1m,50`. */
  steps?: CanaryStep[];
}

export async function loadRolloutSpec(
  path: string,
  displayPath: string,
  overrides: SpecOverrides = {},
): Promise<RolloutSpec> {
  const text = await readUserText(path, {
    file: displayPath,
    what: 'rollout spec',
    notFoundHint: 'check the path given to --spec',
  });
  return parseRolloutSpec(text, displayPath, overrides);
}

export function parseRolloutSpec(
  text: string,
  file: string,
  overrides: SpecOverrides = {},
): RolloutSpec {
  return new SpecReader(new YamlReader(text, file, 'rollout spec'), overrides).read();
}

/** A spec from the inputs alone (no file): the common cases without analysis. */
export function specFromInputs(overrides: SpecOverrides): RolloutSpec {
  const missing = (['router', 'stable', 'canary'] as const).filter(
    (name) => overrides[name] === undefined,
  );
  if (missing.length > 0) {
    throw new UsageError(
      `without --spec, rollout needs ${missing.map((m) => `--${m}`).join(', ')}`,
      {
        hint: 'give a spec file (--spec rollout.yml), or --router builtin:http://127.0.0.1:9901 --stable v1 --canary v2',
      },
    );
  }
  return {
    file: '(inputs)',
    strategy: overrides.strategy ?? 'canary',
    stable: { name: overrides.stable! },
    canary: { name: overrides.canary! },
    router: overrides.router!,
    steps: overrides.steps ?? defaultSteps('(inputs)'),
    scaleDownDelayMs: 30_000,
    onInconclusive: 'rollback',
    onResume: 'rollback',
    waitTimeoutMs: 3_600_000,
  };
}

function defaultSteps(file: string): CanaryStep[] {
  return DEFAULT_WEIGHTS.flatMap((weight): CanaryStep[] => [
    { setWeight: weight, place: { file } },
    { pause: { durationMs: DEFAULT_PAUSE_MS }, place: { file } },
  ]);
}

/** The `steps` input: `10:1m,25:1m,50:30s` (weight, then an optional pause after it). */
export function parseStepsInput(text: string): CanaryStep[] {
  const file = '--steps';
  const steps: CanaryStep[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const [weightText, pauseText, extra] = part.split(':');
    const weight = Number(weightText);
    const pause = pauseText === undefined ? undefined : parseDuration(pauseText);
    if (
      extra !== undefined ||
      !/^\d+$/.test(weightText ?? '') ||
      weight < 0 ||
      weight > 100 ||
      (pauseText !== undefined && pause === undefined)
    ) {
      throw new UsageError(`steps: ${JSON.stringify(part)} is not <weight>[:<pause>]`, {
        place: { key: 'steps' },
        hint: 'write weights 0-100 with an optional pause after each, e.g. 10:1m,25:1m,50:1m',
      });
    }
    steps.push({ setWeight: weight, place: { file } });
    if (pause !== undefined) steps.push({ pause: { durationMs: pause }, place: { file } });
  }
  if (steps.length === 0) {
    throw new UsageError('steps is empty', {
      place: { key: 'steps' },
      hint: 'e.g. 10:1m,25:1m,50:1m',
    });
  }
  return steps;
}

/** `builtin:http://127.0.0.1:9901`: the `router` input (other routers need the spec). */
export function parseRouterInput(text: string): RouterConfig {
  const match = /^builtin:(https?:\/\/.+)$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`router ${JSON.stringify(text)} is not builtin:<admin url>`, {
      place: { key: 'router' },
      hint: 'e.g. builtin:http://127.0.0.1:9901; nginx and HAProxy are configured in the spec file (router:)',
    });
  }
  return { type: 'builtin', admin: match[1]! };
}

class SpecReader {
  private providers = new Map<string, ProviderConfig>();
  private templates = new Map<string, { node: Node | null; spec?: AnalysisSpec }>();

  constructor(
    private readonly y: YamlReader,
    private readonly overrides: SpecOverrides,
  ) {}

  read(): RolloutSpec {
    const y = this.y;
    const file = y.file;
    if (y.isEmpty(y.root)) {
      throw new UsageError('the rollout spec is empty', {
        place: { file },
        hint: 'write at least router:, stable: and canary: (see docs/rollout.md)',
      });
    }
    const fields = new Map<string, [Node | null, Node]>();
    for (const [key, value, keyNode] of y.entries(y.root, '', TOP_KEYS, 'strategy: canary')) {
      fields.set(key, [value, keyNode]);
    }
    const get = (key: string): Node | null => fields.get(key)?.[0] ?? null;
    // Named things first: metrics refer to providers, steps to templates.
    if (fields.has('providers')) {
      for (const [name, value] of y.freeEntries(
        get('providers'),
        'providers',
        'prom: { type: prometheus, url: http://127.0.0.1:9090 }',
      )) {
        this.providers.set(name, this.provider(value, `providers.${name}`));
      }
    }
    if (fields.has('templates')) {
      for (const [name, value] of y.freeEntries(
        get('templates'),
        'templates',
        'errors: { metrics: [...] }',
      )) {
        this.templates.set(name, { node: value });
      }
    }

    const strategy =
      this.overrides.strategy ??
      (fields.has('strategy')
        ? y.choice(get('strategy'), 'strategy', ['canary', 'blue-green'] as const)
        : 'canary');
    const stable =
      this.overrides.stable !== undefined
        ? { name: this.overrides.stable }
        : this.version(fields.get('stable'), 'stable');
    const canary =
      this.overrides.canary !== undefined
        ? { name: this.overrides.canary }
        : this.version(fields.get('canary'), 'canary');
    if (stable.name === canary.name) {
      throw y.error(
        `stable and canary are both ${JSON.stringify(stable.name)}`,
        get('canary'),
        'canary',
        'name two different versions',
      );
    }
    let router = this.overrides.router;
    if (!router) {
      if (!fields.has('router')) {
        throw new UsageError('the rollout spec has no router', {
          place: { file, key: 'router' },
          hint: 'add router: { type: builtin, admin: http://127.0.0.1:9901 } (or nginx, haproxy), or give --router',
        });
      }
      router = this.router(get('router'), 'router');
    }
    const steps =
      this.overrides.steps ?? (fields.has('steps') ? this.steps(get('steps')) : defaultSteps(file));
    if (strategy === 'blue-green' && fields.has('steps') && !this.overrides.steps) {
      throw y.error(
        'steps are for the canary strategy',
        fields.get('steps')?.[1],
        'steps',
        'blue-green uses previewAnalysis, postPromotionAnalysis and scaleDownDelay; drop steps or use strategy: canary',
      );
    }
    const spec: RolloutSpec = {
      file,
      strategy,
      stable,
      canary,
      router,
      steps,
      scaleDownDelayMs: fields.has('scaleDownDelay')
        ? y.duration(get('scaleDownDelay'), 'scaleDownDelay')
        : 30_000,
      onInconclusive: fields.has('onInconclusive')
        ? y.choice(get('onInconclusive'), 'onInconclusive', ['rollback', 'wait'] as const)
        : 'rollback',
      onResume: fields.has('onResume')
        ? y.choice(get('onResume'), 'onResume', ['rollback', 'finish'] as const)
        : 'rollback',
      waitTimeoutMs: fields.has('waitTimeout')
        ? y.duration(get('waitTimeout'), 'waitTimeout')
        : 3_600_000,
    };
    if (fields.has('analysis'))
      spec.backgroundAnalysis = this.analysis(get('analysis'), 'analysis');
    if (fields.has('previewAnalysis'))
      spec.previewAnalysis = this.analysis(get('previewAnalysis'), 'previewAnalysis');
    if (fields.has('postPromotionAnalysis'))
      spec.postPromotionAnalysis = this.analysis(
        get('postPromotionAnalysis'),
        'postPromotionAnalysis',
      );
    if (strategy === 'canary') {
      for (const key of ['previewAnalysis', 'postPromotionAnalysis'] as const) {
        if (fields.has(key))
          throw y.error(
            `${key} is for the blue-green strategy`,
            fields.get(key)?.[1],
            key,
            'use analysis: or an analysis step for a canary, or strategy: blue-green',
          );
      }
    }
    // Templates nobody uses are still checked: a typo in one must not wait for the day it is used.
    for (const [name] of this.templates) this.template(name, undefined, `templates.${name}`);
    return spec;
  }

  private version(entry: [Node | null, Node] | undefined, key: 'stable' | 'canary'): VersionRef {
    const y = this.y;
    if (!entry) {
      throw new UsageError(`the rollout spec has no ${key} version`, {
        place: { file: y.file, key },
        hint: `add ${key}: { name: ${key === 'stable' ? 'v1' : 'v2'}, url: http://127.0.0.1:8081 } (or give --${key})`,
      });
    }
    const [node] = entry;
    if (isScalar(node)) return { name: y.string(node, key, 'v1') };
    const ref: Partial<VersionRef> = {};
    for (const [k, value] of y.entries(
      node,
      key,
      ['name', 'url'],
      `${key}: { name: v1, url: http://127.0.0.1:8081 }`,
    )) {
      if (k === 'name') ref.name = y.string(value, `${key}.name`, 'v1');
      else ref.url = this.url(value, `${key}.url`);
    }
    if (!ref.name)
      throw y.error(
        `${key} has no name`,
        node,
        key,
        `add name: (the version as the router and metrics know it)`,
      );
    return ref as VersionRef;
  }

  private url(node: Node | null, path: string): string {
    const text = this.y.string(node, path, 'http://127.0.0.1:8080');
    let parsed: URL | undefined;
    try {
      parsed = new URL(text);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw this.y.error(
        `${path} must be an http(s) URL, not ${JSON.stringify(text)}`,
        node,
        path,
        'e.g. http://127.0.0.1:8080',
      );
    }
    return text;
  }

  private router(node: Node | null, path: string): RouterConfig {
    const y = this.y;
    const type = this.typeOf(node, path, [
      'builtin',
      'nginx',
      'haproxy',
      'gateway-api',
      'service-switch',
      'kserve',
    ] as const);
    const example = 'router: { type: builtin, admin: http://127.0.0.1:9901 }';
    switch (type) {
      case 'builtin': {
        let admin: string | undefined;
        let timeoutMs: number | undefined;
        for (const [key, value] of y.entries(node, path, ['type', 'admin', 'timeout'], example)) {
          if (key === 'admin') admin = this.url(value, `${path}.admin`);
          else if (key === 'timeout') timeoutMs = y.duration(value, `${path}.timeout`);
        }
        return {
          type,
          admin: this.required(admin, node, `${path}.admin`, 'http://127.0.0.1:9901'),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        };
      }
      case 'nginx': {
        const out: Partial<Extract<RouterConfig, { type: 'nginx' }>> = { type };
        for (const [key, value] of y.entries(
          node,
          path,
          [
            'type',
            'upstreamFile',
            'upstream',
            'servers',
            'reload',
            'prefix',
            'conf',
            'test',
            'mirrorFile',
            'pidFile',
            'reloadTimeout',
          ],
          'router: { type: nginx, upstreamFile: /etc/nginx/conf.d/model.conf, upstream: model, servers: { v1: 127.0.0.1:8081, v2: 127.0.0.1:8082 } }',
        )) {
          const p = `${path}.${key}`;
          if (key === 'upstreamFile')
            out.upstreamFile = y.string(value, p, '/etc/nginx/conf.d/model.conf');
          else if (key === 'upstream') out.upstream = y.string(value, p, 'model');
          else if (key === 'servers') out.servers = y.stringMap(value, p, '{ v1: 127.0.0.1:8081 }');
          else if (key === 'reload') out.reload = y.stringList(value, p, '[nginx, -s, reload]');
          else if (key === 'prefix') out.prefix = y.string(value, p, '/usr/local/nginx');
          else if (key === 'conf') out.conf = y.string(value, p, '/etc/nginx/nginx.conf');
          else if (key === 'test') out.test = y.stringList(value, p, '[nginx, -t]');
          else if (key === 'mirrorFile')
            out.mirrorFile = y.string(value, p, '/etc/nginx/snippets/model-mirror.conf');
          else if (key === 'pidFile') out.pidFile = y.string(value, p, '/run/nginx.pid');
          else if (key === 'reloadTimeout') out.reloadTimeoutMs = y.duration(value, p);
        }
        this.required(
          out.upstreamFile,
          node,
          `${path}.upstreamFile`,
          '/etc/nginx/conf.d/model.conf',
        );
        this.required(out.upstream, node, `${path}.upstream`, 'model');
        this.required(
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
          ['type', 'socket', 'backend', 'servers', 'timeout'],
          'router: { type: haproxy, socket: /run/haproxy/admin.sock, backend: model, servers: { v1: s1, v2: s2 } }',
        )) {
          const p = `${path}.${key}`;
          if (key === 'socket') out.socket = y.string(value, p, '/run/haproxy/admin.sock');
          else if (key === 'backend') out.backend = y.string(value, p, 'model');
          else if (key === 'servers') out.servers = y.stringMap(value, p, '{ v1: s1 }');
          else if (key === 'timeout') out.timeoutMs = y.duration(value, p);
        }
        this.required(out.socket, node, `${path}.socket`, '/run/haproxy/admin.sock');
        this.required(out.backend, node, `${path}.backend`, 'model');
        this.required(out.servers, node, `${path}.servers`, '{ v1: s1, v2: s2 }');
        return out as RouterConfig;
      }
      case 'gateway-api': {
        const out: Partial<Extract<RouterConfig, { type: 'gateway-api' }>> = { type };
        for (const [key, value] of y.entries(
          node,
          path,
          ['type', 'namespace', 'route', 'rule', 'backends', ...KUBERNETES_ACCESS_KEYS],
          'router: { type: gateway-api, namespace: models, route: model, backends: { v1: model-v1, v2: model-v2 } }',
        )) {
          const p = `${path}.${key}`;
          if (key === 'namespace') out.namespace = this.k8sName(value, p, 'models');
          else if (key === 'route') out.route = this.k8sName(value, p, 'model');
          else if (key === 'rule')
            out.rule = y.number(value, p, { min: 0, max: 63, integer: true }, '0');
          else if (key === 'backends') {
            out.backends = y.stringMap(value, p, '{ v1: model-v1, v2: model-v2 }');
            for (const [version, name] of Object.entries(out.backends))
              this.k8sNameText(name, value, `${p}.${version}`, 'model-v1');
          } else this.k8sAccess(out, key, value, p);
        }
        this.required(out.namespace, node, `${path}.namespace`, 'models');
        this.required(out.route, node, `${path}.route`, 'model');
        this.required(out.backends, node, `${path}.backends`, '{ v1: model-v1, v2: model-v2 }');
        return out as RouterConfig;
      }
      case 'service-switch': {
        const out: Partial<Extract<RouterConfig, { type: 'service-switch' }>> = { type };
        for (const [key, value] of y.entries(
          node,
          path,
          [
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
          'router: { type: service-switch, namespace: models, service: model, selectorKey: version, deployments: { v1: model-blue, v2: model-green } }',
        )) {
          const p = `${path}.${key}`;
          if (key === 'namespace') out.namespace = this.k8sName(value, p, 'models');
          else if (key === 'service') out.service = this.k8sName(value, p, 'model');
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
              this.k8sNameText(name, value, `${p}.${version}`, 'model-blue');
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
          else this.k8sAccess(out, key, value, p);
        }
        this.required(out.namespace, node, `${path}.namespace`, 'models');
        this.required(out.service, node, `${path}.service`, 'model');
        this.required(out.selectorKey, node, `${path}.selectorKey`, 'app.kubernetes.io/version');
        this.required(
          out.deployments,
          node,
          `${path}.deployments`,
          '{ v1: model-blue, v2: model-green }',
        );
        return out as RouterConfig;
      }
      case 'kserve':
        return this.kserveRouter(node, path);
    }
  }

  private kserveRouter(node: Node | null, path: string): RouterConfig {
    const y = this.y;
    const out: Partial<Extract<RouterConfig, { type: 'kserve' }>> = { type: 'kserve' };
    for (const [key, value] of y.entries(
      node,
      path,
      ['type', 'namespace', 'inferenceService', 'stable', 'canary', ...KUBERNETES_ACCESS_KEYS],
      'router: { type: kserve, namespace: models, inferenceService: model, stable: v1, canary: v2 }',
    )) {
      const p = `${path}.${key}`;
      if (key === 'namespace') out.namespace = this.k8sName(value, p, 'models');
      else if (key === 'inferenceService') out.inferenceService = this.k8sName(value, p, 'model');
      else if (key === 'stable') out.stable = y.string(value, p, 'v1');
      else if (key === 'canary') out.canary = y.string(value, p, 'v2');
      else this.k8sAccess(out, key, value, p);
    }
    this.required(out.namespace, node, `${path}.namespace`, 'models');
    this.required(out.inferenceService, node, `${path}.inferenceService`, 'model');
    this.required(out.stable, node, `${path}.stable`, 'v1 (the version of the previous revision)');
    this.required(out.canary, node, `${path}.canary`, 'v2 (the version of the latest revision)');
    if (out.stable === out.canary)
      throw y.error(`${path}.canary must differ from ${path}.stable`, node, `${path}.canary`, 'v2');
    return out as RouterConfig;
  }

  /** A Kubernetes object or namespace name (DNS-1123: what the API server accepts). */
  private k8sName(node: Node | null, path: string, example: string): string {
    return this.k8sNameText(this.y.string(node, path, example), node, path, example);
  }

  private k8sNameText(text: string, node: Node | null, path: string, example: string): string {
    if (!DNS_NAME.test(text))
      throw this.y.error(
        `${path} must be a Kubernetes name (lower-case letters, digits, '-' and '.', at most 253), not ${JSON.stringify(text.slice(0, 80))}`,
        node,
        path,
        `e.g. ${example}`,
      );
    return text;
  }

  /** The keys every Kubernetes router shares: how to reach the API server. */
  private k8sAccess(out: KubernetesAccessConfig, key: string, value: Node | null, p: string) {
    const y = this.y;
    if (key === 'server') out.server = this.url(value, p);
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

  private provider(node: Node | null, path: string): ProviderConfig {
    const y = this.y;
    const type = this.typeOf(node, path, ['prometheus', 'http-probe', 'replay'] as const);
    switch (type) {
      case 'prometheus': {
        const out: Partial<Extract<ProviderConfig, { type: 'prometheus' }>> = { type };
        for (const [key, value] of y.entries(
          node,
          path,
          ['type', 'url', 'headers'],
          '{ type: prometheus, url: http://127.0.0.1:9090 }',
        )) {
          if (key === 'url') out.url = this.url(value, `${path}.url`);
          else if (key === 'headers')
            out.headers = y.stringMap(value, `${path}.headers`, '{ X-Scope-OrgID: team }');
        }
        this.required(out.url, node, `${path}.url`, 'http://127.0.0.1:9090');
        return out as ProviderConfig;
      }
      case 'http-probe': {
        const out: Partial<Extract<ProviderConfig, { type: 'http-probe' }>> = {
          type,
          rate: 10,
          timeoutMs: 5000,
        };
        for (const [key, value] of y.entries(
          node,
          path,
          ['type', 'path', 'method', 'body', 'rate', 'timeout', 'endpoints'],
          '{ type: http-probe, path: /predict, rate: 10, endpoints: { v1: http://127.0.0.1:8081 } }',
        )) {
          const p = `${path}.${key}`;
          if (key === 'path') out.path = y.string(value, p, '/predict');
          else if (key === 'method')
            out.method = y.choice(value, p, ['GET', 'POST', 'HEAD', 'PUT'] as const);
          else if (key === 'body') out.body = y.string(value, p, '{"rows": []}');
          else if (key === 'rate') out.rate = y.number(value, p, { min: 0.01, max: 10_000 }, '10');
          else if (key === 'timeout') out.timeoutMs = y.duration(value, p);
          else if (key === 'endpoints') out.endpoints = this.urlMap(value, p);
        }
        out.endpoints ??= {};
        return out as ProviderConfig;
      }
      case 'replay': {
        const out: Partial<Extract<ProviderConfig, { type: 'replay' }>> = { type };
        for (const [key, value] of y.entries(
          node,
          path,
          ['type', 'data', 'endpoints', 'request', 'prediction'],
          '{ type: replay, data: holdout.jsonl, request: { path: /predict }, prediction: $.prediction }',
        )) {
          const p = `${path}.${key}`;
          if (key === 'data') out.data = y.string(value, p, 'holdout.jsonl');
          else if (key === 'endpoints') out.endpoints = this.urlMap(value, p);
          else if (key === 'prediction') out.prediction = y.string(value, p, '$.prediction');
          else if (key === 'request') {
            const request: { path?: string; template?: string } = {};
            for (const [k, v] of y.entries(value, p, ['path', 'template'], '{ path: /predict }')) {
              if (k === 'path') request.path = y.string(v, `${p}.path`, '/predict');
              else request.template = y.string(v, `${p}.template`, '{"rows": [{{row}}]}');
            }
            out.request = {
              path: this.required(request.path, value, `${p}.path`, '/predict'),
              ...(request.template !== undefined ? { template: request.template } : {}),
            };
          }
        }
        this.required(out.data, node, `${path}.data`, 'holdout.jsonl');
        this.required(out.request, node, `${path}.request`, '{ path: /predict }');
        this.required(out.prediction, node, `${path}.prediction`, '$.prediction');
        out.endpoints ??= {};
        return out as ProviderConfig;
      }
    }
  }

  private urlMap(node: Node | null, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of this.y.freeEntries(node, path, '{ v1: http://127.0.0.1:8081 }'))
      out[key] = this.url(value, `${path}.${key}`);
    return out;
  }

  private typeOf<T extends string>(node: Node | null, path: string, types: readonly T[]): T {
    const y = this.y;
    if (!isMap(node))
      throw y.error(
        `${path} must be a map with a type`,
        node,
        path,
        `type is one of ${types.join(', ')}`,
      );
    const typeNode = node.get('type', true) as Node | undefined;
    if (typeNode === undefined)
      throw y.error(
        `${path} has no type`,
        node,
        `${path}.type`,
        `add type: (one of ${types.join(', ')})`,
      );
    return y.choice(typeNode, `${path}.type`, types);
  }

  private required<T>(value: T | undefined, node: Node | null, path: string, example: string): T {
    if (value === undefined) {
      const key = path.split('.').pop()!;
      throw this.y.error(
        `${path.slice(0, path.length - key.length - 1)} has no ${key}`,
        node,
        path,
        `add ${key}: ${example}`,
      );
    }
    return value;
  }

  private steps(node: Node | null): CanaryStep[] {
    const y = this.y;
    const example = '[{ setWeight: 10 }, { pause: { duration: 1m } }]';
    const steps = y.items(node, 'steps', example).map((item, i): CanaryStep => {
      const path = `steps[${i}]`;
      const entries = y.entries(
        item,
        path,
        ['setWeight', 'pause', 'analysis'],
        '{ setWeight: 10 }',
      );
      if (entries.length !== 1)
        throw y.error(
          `${path} must have exactly one of setWeight, pause, analysis`,
          item,
          path,
          'write each on its own list item',
        );
      const [key, value] = entries[0]!;
      const place = {
        file: y.file,
        ...(y.line(item) !== undefined ? { line: y.line(item)! } : {}),
      };
      if (key === 'setWeight')
        return {
          setWeight: y.number(
            value,
            `${path}.setWeight`,
            { min: 0, max: 100, integer: true },
            '25',
          ),
          place,
        };
      if (key === 'pause') {
        if (y.isEmpty(value) || (isMap(value) && value.items.length === 0))
          return { pause: {}, place };
        if (isScalar(value))
          return { pause: { durationMs: y.duration(value, `${path}.pause`) }, place };
        let durationMs: number | undefined;
        for (const [k, v] of y.entries(value, `${path}.pause`, ['duration'], '{ duration: 1m }')) {
          if (k === 'duration') durationMs = y.duration(v, `${path}.pause.duration`);
        }
        return { pause: durationMs === undefined ? {} : { durationMs }, place };
      }
      return { analysis: this.analysis(value, `${path}.analysis`), place };
    });
    if (steps.length === 0)
      throw y.error('steps is empty', node, 'steps', `e.g. steps: ${example}`);
    return steps;
  }

  /** An analysis: a template name, a list of them, `{ templates: [...] }` or `{ metrics: [...] }`. */
  private analysis(node: Node | null, path: string): AnalysisSpec {
    const y = this.y;
    if (isScalar(node)) return this.template(y.string(node, path, 'errors'), node, path);
    if (isSeq(node))
      return this.merge(
        y
          .stringList(node, path, '[errors]')
          .map((name, i) => this.template(name, node.items[i] as Node, `${path}[${i}]`)),
      );
    const parts: AnalysisSpec[] = [];
    for (const [key, value] of y.entries(
      node,
      path,
      ['templates', 'metrics'],
      '{ templates: [errors] }',
    )) {
      if (key === 'templates') {
        const items = y.items(value, `${path}.templates`, '[errors]');
        items.forEach((item, i) =>
          parts.push(
            this.template(
              y.string(item, `${path}.templates[${i}]`, 'errors'),
              item,
              `${path}.templates[${i}]`,
            ),
          ),
        );
      } else {
        parts.push({
          metrics: y
            .items(value, `${path}.metrics`, '[{ name: error-rate, provider: prom, query: ... }]')
            .map((m, i) => this.metric(m, `${path}.metrics[${i}]`)),
        });
      }
    }
    const merged = this.merge(parts);
    if (merged.metrics.length === 0)
      throw y.error(`${path} has no metrics`, node, path, 'add metrics: or templates:');
    return merged;
  }

  private merge(parts: AnalysisSpec[]): AnalysisSpec {
    return { metrics: parts.flatMap((part) => part.metrics) };
  }

  private template(name: string, node: Node | null | undefined, path: string): AnalysisSpec {
    const entry = this.templates.get(name);
    if (!entry) {
      const known = [...this.templates.keys()];
      throw this.y.error(
        `no template named ${JSON.stringify(name)}`,
        node,
        path,
        known.length ? `templates: ${known.join(', ')}` : 'define it under templates:',
      );
    }
    if (!entry.spec) {
      const metricsNode = isMap(entry.node)
        ? (entry.node.get('metrics', true) as Node | undefined)
        : undefined;
      this.y.entries(entry.node, `templates.${name}`, ['metrics'], '{ metrics: [...] }');
      entry.spec = {
        metrics: this.y
          .items(
            metricsNode ?? null,
            `templates.${name}.metrics`,
            '[{ name: error-rate, provider: prom, query: ... }]',
          )
          .map((m, i) => this.metric(m, `templates.${name}.metrics[${i}]`)),
      };
    }
    return entry.spec;
  }

  private metric(node: Node, path: string): AnalysisMetric {
    const y = this.y;
    const fields = new Map<string, Node | null>();
    for (const [key, value] of y.entries(
      node,
      path,
      METRIC_KEYS,
      '{ name: error-rate, provider: prom, query: ..., successCondition: { max: 0.01 } }',
    ))
      fields.set(key, value);
    const name = fields.has('name')
      ? y.string(fields.get('name'), `${path}.name`, 'error-rate')
      : undefined;
    if (name === undefined)
      throw y.error(`${path} has no name`, node, `${path}.name`, 'add name: error-rate');
    if (!fields.has('provider'))
      throw y.error(
        `metric ${name} has no provider`,
        node,
        `${path}.provider`,
        'add provider: <a name under providers:> or an inline { type: prometheus, url: ... }',
      );
    const providerNode = fields.get('provider')!;
    let provider: ProviderConfig;
    if (isScalar(providerNode)) {
      const ref = y.string(providerNode, `${path}.provider`, 'prom');
      const found = this.providers.get(ref);
      if (!found)
        throw y.error(
          `no provider named ${JSON.stringify(ref)}`,
          providerNode,
          `${path}.provider`,
          this.providers.size
            ? `providers: ${[...this.providers.keys()].join(', ')}`
            : 'define it under providers:',
        );
      provider = found;
    } else provider = this.provider(providerNode, `${path}.provider`);
    const query = fields.has('query')
      ? y.string(
          fields.get('query'),
          `${path}.query`,
          'sum(rate(errors{version="{{version}}"}[1m]))',
        )
      : name;
    const intervalMs = fields.has('interval')
      ? y.duration(fields.get('interval'), `${path}.interval`)
      : 0;
    const metric: AnalysisMetric = {
      name,
      provider,
      query,
      intervalMs,
      initialDelayMs: fields.has('initialDelay')
        ? y.duration(fields.get('initialDelay'), `${path}.initialDelay`)
        : 0,
      failureLimit: fields.has('failureLimit')
        ? y.number(
            fields.get('failureLimit'),
            `${path}.failureLimit`,
            { min: 0, integer: true },
            '0',
          )
        : 0,
      consecutiveErrorLimit: fields.has('consecutiveErrorLimit')
        ? y.number(
            fields.get('consecutiveErrorLimit'),
            `${path}.consecutiveErrorLimit`,
            { min: 0, integer: true },
            '4',
          )
        : 4,
      inconclusiveLimit: fields.has('inconclusiveLimit')
        ? y.number(
            fields.get('inconclusiveLimit'),
            `${path}.inconclusiveLimit`,
            { min: 0, integer: true },
            '0',
          )
        : 0,
      place: { file: y.file, ...(y.line(node) !== undefined ? { line: y.line(node)! } : {}) },
    };
    if (fields.has('count'))
      metric.count = y.number(fields.get('count'), `${path}.count`, { min: 1, integer: true }, '5');
    if (metric.count !== undefined && metric.count > 1 && intervalMs === 0) {
      throw y.error(
        `metric ${name} takes ${metric.count} measurements but has no interval`,
        fields.get('count'),
        `${path}.interval`,
        'add interval: 30s (time between measurements)',
      );
    }
    if (fields.has('successCondition'))
      metric.success = this.condition(
        fields.get('successCondition')!,
        `${path}.successCondition`,
        name,
      );
    if (fields.has('failureCondition'))
      metric.failure = this.condition(
        fields.get('failureCondition')!,
        `${path}.failureCondition`,
        name,
      );
    if (fields.has('compare'))
      metric.compare = this.compare(fields.get('compare')!, `${path}.compare`);
    return metric;
  }

  private condition(node: Node | null, path: string, metric: string): Threshold {
    const y = this.y;
    const out: Threshold = {};
    let directionNode: Node | null = null;
    let direction: 'higher' | 'lower' | undefined;
    for (const [key, value] of y.entries(node, path, CONDITION_KEYS, '{ max: 0.01 }')) {
      const p = `${path}.${key}`;
      if (key === 'direction') {
        direction = y.choice(value, p, ['higher', 'lower'] as const);
        directionNode = value;
      } else if (key === 'min') out.min = y.number(value, p, {}, '0.9');
      else if (key === 'max') out.max = y.number(value, p, {}, '0.01');
      else out.maxRegression = y.number(value, p, { min: 0 }, '0.1 (10 % worse than stable)');
    }
    if (out.min === undefined && out.max === undefined && out.maxRegression === undefined) {
      throw y.error(`${path} sets no limit`, node, path, 'give min, max and/or max_regression');
    }
    if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
      throw y.error(
        `${path}: min ${out.min} is greater than max ${out.max}`,
        node,
        path,
        'swap them, or drop one',
      );
    }
    if (out.maxRegression !== undefined) {
      direction ??= inferDirection(metric);
      if (direction === undefined) {
        throw y.error(
          `${path} limits regression but the direction of ${metric} cannot be inferred from its name`,
          node,
          `${path}.direction`,
          'add direction: higher (success rate) or direction: lower (errors, latency)',
        );
      }
      out.higherIsBetter = direction === 'higher';
    } else if (directionNode) {
      out.higherIsBetter = direction === 'higher';
    }
    return out;
  }

  private compare(node: Node | null, path: string): CompareCondition {
    const y = this.y;
    let kind: CompareCondition['kind'] | undefined;
    let maxIncrease: number | undefined;
    let confidence = 0.95;
    let minSamples: number | undefined;
    for (const [key, value] of y.entries(
      node,
      path,
      COMPARE_KEYS,
      '{ kind: latency, max_increase: 0.1 }',
    )) {
      const p = `${path}.${key}`;
      if (key === 'kind') kind = y.choice(value, p, ['latency', 'error-rate'] as const);
      else if (key === 'max_increase') maxIncrease = y.number(value, p, { min: 0 }, '0.1');
      else if (key === 'confidence')
        confidence = y.number(value, p, { min: 0.5, max: 0.9999 }, '0.95');
      else minSamples = y.number(value, p, { min: 1, integer: true }, '20');
    }
    if (!kind)
      throw y.error(
        `${path} has no kind`,
        node,
        `${path}.kind`,
        'add kind: latency or kind: error-rate',
      );
    if (maxIncrease === undefined)
      throw y.error(
        `${path} has no max_increase`,
        node,
        `${path}.max_increase`,
        kind === 'latency'
          ? 'e.g. max_increase: 0.1 (canary at most 10 % slower)'
          : 'e.g. max_increase: 0.01 (at most 1 point more errors)',
      );
    return {
      kind,
      maxIncrease,
      confidence,
      minSamples: minSamples ?? (kind === 'latency' ? 20 : 100),
    };
  }
}
