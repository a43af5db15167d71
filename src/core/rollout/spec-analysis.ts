import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { inferDirection } from '../gate/direction.js';
import type {
  AnalysisMetric,
  AnalysisSpec,
  CompareCondition,
  ProviderConfig,
  Threshold,
} from './model.js';
import { PROVIDER_METRICS, readProvider } from './spec-providers.js';
import { checkPromqlTemplate } from './spec-values.js';
import type { YamlReader } from './yaml-reader.js';

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

/**
 * The analyses of the rollout spec: named templates (Argo AnalysisTemplate), their metrics, each
 * metric's success and failure conditions and its canary-versus-stable comparison. Metrics name
 * providers from `providers:`; analyses name templates from `templates:`, read once when first used.
 */
export class AnalysisReader {
  private readonly templates = new Map<string, { node: Node | null; spec?: AnalysisSpec }>();

  constructor(
    private readonly y: YamlReader,
    private readonly providers: ReadonlyMap<string, ProviderConfig>,
    templates: ReadonlyMap<string, Node | null>,
  ) {
    for (const [name, node] of templates) this.templates.set(name, { node });
  }

  /** Templates nobody uses are still checked: a typo in one must not wait for the day it is used. */
  checkAllTemplates(): void {
    for (const [name] of this.templates) this.template(name, undefined, `templates.${name}`);
  }

  analysis(node: Node | null, path: string): AnalysisSpec {
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
    } else provider = readProvider(this.y, providerNode, `${path}.provider`);
    const query = fields.has('query')
      ? y.string(
          fields.get('query'),
          `${path}.query`,
          'sum(rate(errors{version="{{version}}"}[1m]))',
        )
      : name;
    const queryNode = fields.get('query') ?? node;
    const queryPath = fields.has('query') ? `${path}.query` : `${path}.name`;
    if (provider.type === 'prometheus') checkPromqlTemplate(y, query, queryNode, queryPath);
    else {
      const known: readonly string[] = PROVIDER_METRICS[provider.type];
      if (!known.includes(query))
        throw y.error(
          `the ${provider.type} provider has no metric ${JSON.stringify(query.slice(0, 80))}`,
          queryNode,
          queryPath,
          `name one of ${known.join(', ')} (as query:, or as the metric's name)`,
        );
    }
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
