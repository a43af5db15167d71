import { isScalar, type Node } from 'yaml';
import { readUserText } from '../files/user-file.js';
import { UsageError } from '../errors.js';
import type { CanaryStep, ProviderConfig, RolloutSpec, RouterConfig, VersionRef } from './model.js';
import { AnalysisReader } from './spec-analysis.js';
import { readProvider } from './spec-providers.js';
import { readRouter } from './spec-routers.js';
import { defaultSteps, readSteps } from './spec-steps.js';
import { YamlReader } from './yaml-reader.js';

export { parseRouterInput } from './spec-routers.js';
export { parseStepsInput } from './spec-steps.js';

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

class SpecReader {
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
    const providers = new Map<string, ProviderConfig>();
    if (fields.has('providers')) {
      for (const [name, value] of y.freeEntries(
        get('providers'),
        'providers',
        'prom: { type: prometheus, url: http://127.0.0.1:9090 }',
      )) {
        providers.set(name, readProvider(y, value, `providers.${name}`));
      }
    }
    const templates = new Map<string, Node | null>();
    if (fields.has('templates')) {
      for (const [name, value] of y.freeEntries(
        get('templates'),
        'templates',
        'errors: { metrics: [...] }',
      )) {
        templates.set(name, value);
      }
    }
    const analyses = new AnalysisReader(y, providers, templates);
    const analysis = (node: Node | null, path: string) => analyses.analysis(node, path);

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
      router = readRouter(y, get('router'), 'router');
    }
    const steps =
      this.overrides.steps ??
      (fields.has('steps') ? readSteps(y, get('steps'), analysis) : defaultSteps(file));
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
    if (fields.has('analysis')) spec.backgroundAnalysis = analysis(get('analysis'), 'analysis');
    if (fields.has('previewAnalysis'))
      spec.previewAnalysis = analysis(get('previewAnalysis'), 'previewAnalysis');
    if (fields.has('postPromotionAnalysis'))
      spec.postPromotionAnalysis = analysis(get('postPromotionAnalysis'), 'postPromotionAnalysis');
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
    analyses.checkAllTemplates();
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
      else ref.url = y.url(value, `${key}.url`);
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
}
