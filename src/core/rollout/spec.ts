import { isScalar, type Node } from 'yaml';
import { readUserText } from '../files/user-file.js';
import { UsageError } from '../errors.js';
import type {
  AnalysisSpec,
  CanaryStep,
  ProviderConfig,
  RolloutSpec,
  RolloutStrategy,
  RouterConfig,
  ShadowSpec,
  VersionRef,
} from './model.js';
import { AnalysisReader } from './spec-analysis.js';
import { DEPLOY_EXAMPLE, readDeploy } from './spec-deploy.js';
import { readProvider } from './spec-providers.js';
import { listedVersions, mirrorSupport, readRouter, weightSupport } from './spec-routers.js';
import { defaultSteps, readSteps } from './spec-steps.js';
import { YamlReader } from './yaml-reader.js';

export { parseRouterInput } from './spec-routers.js';
export { parseStepsInput } from './spec-steps.js';

/**
 * The rollout spec (rollout.yml). Names follow Argo Rollouts where it has one (docs/rollout.md
 * puts them side by side):
 *
 *   strategy: canary                      # or blue-green, or shadow (with shadow:)
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
  'shadow',
  'deploy',
] as const;

const SHADOW_EXAMPLE = 'shadow: { analysis: errors, duration: 2m, promote: false }';
const DEFAULT_SHADOW_MS = 60_000;

/** What the command's inputs may override (`strategy`, `router`, `stable`, `canary`, `steps`). */
export interface SpecOverrides {
  strategy?: RolloutStrategy;
  router?: RouterConfig;
  stable?: string;
  canary?: string;
  /** From the `steps` input: `10:1m,25:1m,50`. */
  steps?: CanaryStep[];
  /** From the `canary-image` input: the canary's image on a compose host (`deploy:`). */
  canaryImage?: string;
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
  if (overrides.canaryImage !== undefined) {
    throw new UsageError('canary-image needs a spec file with a compose host (deploy:)', {
      place: { key: 'canary-image' },
      hint: `give --spec rollout.yml holding ${DEPLOY_EXAMPLE} (see docs/rollout.md)`,
    });
  }
  if (overrides.strategy === 'shadow') {
    throw new UsageError('strategy shadow needs a spec file with its analysis', {
      place: { key: 'strategy' },
      hint: `give --spec rollout.yml holding ${SHADOW_EXAMPLE} (see docs/rollout.md)`,
    });
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
        ? y.choice(get('strategy'), 'strategy', ['canary', 'blue-green', 'shadow'] as const)
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
    const shadow = this.shadow(strategy, fields, analysis);
    if (strategy === 'shadow') {
      const cannot = mirrorSupport(router);
      if (cannot) {
        throw new UsageError(`strategy shadow needs a router that can mirror: ${cannot}`, {
          place: {
            file: this.overrides.router ? '--router' : file,
            ...(!this.overrides.router && y.line(get('router')) !== undefined
              ? { line: y.line(get('router'))! }
              : {}),
            key: 'router',
          },
          hint: 'use the builtin router, or nginx with mirrorFile (an include in its server block); or strategy: canary / blue-green with this router',
        });
      }
    }
    const stepsGiven = this.overrides.steps !== undefined || fields.has('steps');
    if (shadow && !shadow.promote && stepsGiven) {
      throw y.error(
        'steps follow a shadow phase only with shadow.promote: true',
        fields.get('steps')?.[1],
        'steps',
        'add promote: true under shadow: to go on to these canary steps after a passed shadow analysis, or drop steps',
      );
    }
    const steps =
      this.overrides.steps ??
      (fields.has('steps')
        ? readSteps(y, get('steps'), analysis)
        : strategy === 'shadow'
          ? []
          : defaultSteps(file));
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
    if (shadow) spec.shadow = shadow;
    if (fields.has('deploy'))
      spec.deploy = readDeploy(y, get('deploy'), 'deploy', {
        canary: canary.name,
        ...(this.overrides.canaryImage !== undefined
          ? { canaryImage: this.overrides.canaryImage }
          : {}),
      });
    else if (this.overrides.canaryImage !== undefined)
      throw new UsageError('canary-image is for a spec with a compose host (deploy:)', {
        place: { file, key: 'deploy' },
        hint: `add ${DEPLOY_EXAMPLE}, or drop --canary-image`,
      });
    if (fields.has('analysis')) {
      if (shadow && (!shadow.promote || steps.length === 0))
        throw y.error(
          'analysis: is the background analysis of canary steps, which this shadow rollout has none of',
          fields.get('analysis')?.[1],
          'analysis',
          'put the shadow phase’s analysis under shadow: { analysis: ... }; analysis: runs beside steps after a promoted shadow phase (promote: true with steps)',
        );
      spec.backgroundAnalysis = analysis(get('analysis'), 'analysis');
    }
    if (fields.has('previewAnalysis'))
      spec.previewAnalysis = analysis(get('previewAnalysis'), 'previewAnalysis');
    if (fields.has('postPromotionAnalysis'))
      spec.postPromotionAnalysis = analysis(get('postPromotionAnalysis'), 'postPromotionAnalysis');
    if (strategy !== 'blue-green') {
      for (const key of ['previewAnalysis', 'postPromotionAnalysis'] as const) {
        if (fields.has(key))
          throw y.error(
            `${key} is for the blue-green strategy`,
            fields.get(key)?.[1],
            key,
            strategy === 'shadow'
              ? 'put the shadow phase’s analysis under shadow: { analysis: ... }, or use strategy: blue-green'
              : 'use analysis: or an analysis step for a canary, or strategy: blue-green',
          );
      }
    }
    this.checkRouterFits(spec, fields, stepsGiven);
    if (router.type === 'argo-rollouts') {
      spec.router = { ...router, stable: stable.name, canary: canary.name };
      this.checkArgo(spec, fields);
    }
    analyses.checkAllTemplates();
    return spec;
  }

  /**
   * What the router can do against what the rollout asks of it, checked before anything starts:
   * a router that lists versions (servers, backends, deployments) lists both the stable and the
   * canary; canary steps that split traffic need a router that splits by weight.
   */
  private checkRouterFits(
    spec: RolloutSpec,
    fields: Map<string, [Node | null, Node]>,
    stepsGiven: boolean,
  ): void {
    const y = this.y;
    const router = spec.router;
    const fromInput = this.overrides.router !== undefined;
    const get = (key: string) => fields.get(key)?.[0] ?? null;
    const routerPlace = (key: string) => {
      const line = fromInput ? undefined : y.line(get('router'));
      return {
        file: fromInput ? '--router' : y.file,
        ...(line !== undefined ? { line } : {}),
        key,
      };
    };
    const listed = listedVersions(router);
    if (listed) {
      const key = `router.${listed.key}`;
      for (const [role, version] of [
        ['stable', spec.stable],
        ['canary', spec.canary],
      ] as const) {
        if (router.type === 'kserve') {
          if (router[role] !== version.name)
            throw new UsageError(
              `router.${role} is ${JSON.stringify(router[role])}, but the rollout's ${role} is ${JSON.stringify(version.name)}`,
              {
                place: routerPlace(`router.${role}`),
                hint: `write the same name in both: ${role}: ${version.name} and router: { ..., ${role}: ${version.name} }${this.overrides[role] !== undefined ? ` (--${role} gives ${version.name})` : ''}`,
              },
            );
          continue;
        }
        if (!listed.names.includes(version.name))
          throw new UsageError(
            `${key} has no entry for the ${role} version ${JSON.stringify(version.name)} (it names ${listed.names.map((n) => JSON.stringify(n)).join(', ') || 'none'})`,
            {
              place: routerPlace(key),
              hint: `add ${version.name}: <its ${listed.key === 'servers' ? (router.type === 'haproxy' ? 'HAProxy server name' : 'host:port') : listed.key === 'backends' ? 'Service name' : 'Deployment name'}> under ${key}: the router moves traffic between the stable and the canary, so it must know both${this.overrides[role] !== undefined ? ` (--${role} gives ${version.name})` : ''}`,
            },
          );
      }
    }
    const canarySteps =
      spec.strategy === 'canary' || (spec.shadow?.promote === true && spec.steps.length > 0);
    const cannot = canarySteps ? weightSupport(router, spec.steps) : undefined;
    if (cannot) {
      const fromFile = stepsGiven && this.overrides.steps === undefined;
      const line = fromFile ? cannot.step.place.line : undefined;
      throw new UsageError(
        stepsGiven
          ? `${cannot.why} (steps[${cannot.index}])`
          : `${cannot.why} (the default canary steps are 10 → 25 → 50 %)`,
        {
          place: stepsGiven
            ? {
                file: fromFile ? y.file : '--steps',
                ...(line !== undefined ? { line } : {}),
                key: `steps[${cannot.index}].setWeight`,
              }
            : routerPlace('router.type'),
          hint: cannot.hint,
        },
      );
    }
  }

  /**
   * With `router: { type: argo-rollouts }` Argo's controller holds the steps and the weights:
   * sluice's part is the analyses at its pauses (canary: `steps`, analysis steps only, one per
   * pause in order, the last one again for later pauses; blue-green: `previewAnalysis`), the
   * canary's background `analysis:`, and the blue-green `postPromotionAnalysis`.
   */
  private checkArgo(spec: RolloutSpec, fields: Map<string, [Node | null, Node]>): void {
    const y = this.y;
    const at = (key: string) => fields.get(key)?.[1];
    const why = 'Argo’s Rollout holds the steps and the weights; sluice judges at its pauses';
    if (spec.router.type === 'argo-rollouts') {
      // The canary's image as it will be written: the version's name must make a reference of it.
      const image = spec.router.image.replaceAll('{{version}}', spec.canary.name);
      if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,511}$/.test(image))
        throw y.error(
          `router.image with the canary's name is ${JSON.stringify(image.slice(0, 120))}, not an image reference`,
          fields.get('router')?.[0],
          'router.image',
          'use {{version}} only where the version’s name fits in an image reference (a tag), e.g. registry.example.com/model:{{version}}',
        );
    }
    if (fields.has('deploy'))
      throw y.error(
        'deploy: is not available with router type argo-rollouts',
        at('deploy'),
        'deploy',
        'the Rollout’s controller starts the canary: drop deploy:',
      );
    if (spec.strategy === 'blue-green') {
      if (!spec.previewAnalysis && !spec.postPromotionAnalysis)
        throw new UsageError(
          'blue-green through Argo Rollouts needs previewAnalysis or postPromotionAnalysis',
          {
            place: { file: y.file, key: 'previewAnalysis' },
            hint: `${why} (set autoPromotionEnabled: false on the Rollout) with previewAnalysis:, and after the switch with postPromotionAnalysis:`,
          },
        );
      return;
    }
    const given = this.overrides.steps !== undefined || fields.has('steps');
    // A background analysis alone: sluice leaves Argo's pauses to the controller and to people.
    if (!given && spec.backgroundAnalysis) {
      spec.steps = [];
      return;
    }
    const bad = spec.steps.find((step) => !('analysis' in step));
    if (!given || bad || (spec.steps.length === 0 && !spec.backgroundAnalysis))
      throw new UsageError(
        given
          ? `with router type argo-rollouts, steps are the analyses to run at Argo’s pauses: ${bad ? `${'setWeight' in bad ? 'setWeight' : 'pause'} is not one` : 'there are none'}`
          : 'a canary through Argo Rollouts needs steps: the analyses to run at Argo’s pauses',
        {
          place: {
            file: this.overrides.steps ? '--steps' : y.file,
            ...(bad?.place.line !== undefined ? { line: bad.place.line } : {}),
            key: 'steps',
          },
          hint: `${why}: write steps: [{ analysis: { templates: [errors] } }], one per pause (the last runs again for later pauses), or analysis: for a background analysis`,
        },
      );
  }

  /** `shadow:` (strategy: shadow only, and required there). */
  private shadow(
    strategy: RolloutStrategy,
    fields: Map<string, [Node | null, Node]>,
    analysis: (node: Node | null, path: string) => AnalysisSpec,
  ): ShadowSpec | undefined {
    const y = this.y;
    const entry = fields.get('shadow');
    if (strategy !== 'shadow') {
      if (entry)
        throw y.error(
          'shadow: is for strategy: shadow',
          entry[1],
          'shadow',
          this.overrides.strategy
            ? `the strategy input says ${this.overrides.strategy}: drop shadow: or give strategy shadow`
            : 'add strategy: shadow, or drop shadow:',
        );
      return undefined;
    }
    if (!entry) {
      throw new UsageError('strategy shadow needs a shadow: block with the analysis to run', {
        place: { file: y.file, key: 'shadow' },
        hint: `add ${SHADOW_EXAMPLE}`,
      });
    }
    const [node] = entry;
    let spec: AnalysisSpec | undefined;
    let durationMs = DEFAULT_SHADOW_MS;
    let promote = false;
    for (const [key, value] of y.entries(
      node,
      'shadow',
      ['analysis', 'duration', 'promote'],
      SHADOW_EXAMPLE,
    )) {
      if (key === 'analysis') spec = analysis(value, 'shadow.analysis');
      else if (key === 'duration') durationMs = y.duration(value, 'shadow.duration');
      else {
        if (!isScalar(value) || typeof value.value !== 'boolean')
          throw y.error(
            'shadow.promote must be true or false',
            value,
            'shadow.promote',
            'promote: false ends after the shadow analysis; promote: true goes on to steps (or switches all traffic at once)',
          );
        promote = value.value;
      }
    }
    if (!spec || spec.metrics.length === 0)
      throw y.error(
        'shadow has no analysis: a shadow phase exists to be judged',
        node,
        'shadow.analysis',
        `add analysis: (a template name, a list of them, or { metrics: [...] }), e.g. ${SHADOW_EXAMPLE}`,
      );
    if (durationMs <= 0)
      throw y.error(
        'shadow.duration must be above 0',
        node,
        'shadow.duration',
        'e.g. duration: 2m',
      );
    return { analysis: spec, durationMs, promote };
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
      else ref.url = y.url(value, `${key}.url`, { credentials: false });
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
