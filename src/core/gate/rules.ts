import { readUserText } from '../files/user-file.js';
import type { LinkPolicy } from '../files/contained.js';
import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import { readYaml, type YamlFile } from '../yaml/read.js';
import { inferPatternDirection } from './direction.js';
import { splitKey } from './keys.js';
import type { Direction, Rule, RuleSet, RuleThreshold } from './model.js';
import { editDistance } from '../text/edit-distance.js';

/**
 * The rules file (YAML):
 *
 *   metrics:
 *     accuracy: { direction: higher, min: 0.80, max_regression: 0.01 }
 *     "slices.*.recall": { max_regression_pct: 2, required: true }
 *     f1: { max_regression: 0.01, confidence: 0.95 }   # --predictions: fail only past noise
 *   default: { max_regression_pct: 0 }
 *
 * Every mistake is a UsageError with the file, the line and the key path
 * (`metrics.accuracy.direction`), and a hint listing what is allowed.
 */

const TOP_KEYS = ['metrics', 'default'] as const;
const RULE_KEYS = [
  'direction',
  'min',
  'max',
  'max_regression',
  'max_regression_pct',
  'required',
  'confidence',
] as const;
const DIRECTIONS: readonly Direction[] = ['higher', 'lower'];

const EXAMPLE: Record<string, string> = {
  min: '0.8',
  max: '120',
  max_regression: '0.01',
  max_regression_pct: '2',
};

const THRESHOLD_OF: Record<string, RuleThreshold> = {
  min: 'min',
  max: 'max',
  max_regression: 'maxRegression',
  max_regression_pct: 'maxRegressionPct',
};

export async function loadRules(
  path: string,
  displayPath: string = path,
  links?: LinkPolicy,
): Promise<RuleSet> {
  const text = await readUserText(
    path,
    {
      file: displayPath,
      what: 'rules file',
      notFoundHint: 'check the path, or leave rules out to report metrics without gating them',
    },
    links ? { links } : {},
  );
  return parseRules(text, displayPath);
}

export function parseRules(text: string, file: string): RuleSet {
  return new RulesReader(text, file).read();
}

class RulesReader {
  private yaml: YamlFile | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  read(): RuleSet {
    const yaml = readYaml(this.text, this.file, {
      what: 'the rules file',
      syntaxHint: () =>
        'check indentation and quoting near that line; quote patterns that start with `*` ("*.recall")',
    });
    this.yaml = yaml;
    const root = this.node(yaml.contents);
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
      throw new UsageError('the rules file is empty', {
        place: { file: this.file },
        hint: 'write `metrics:` with one rule per metric (and optionally `default:`), or leave rules out to report without gating',
      });
    }
    if (!isMap(root)) {
      throw this.error(
        'the rules file must be a map with `metrics:` and/or `default:`',
        root,
        undefined,
        `allowed top-level keys: ${TOP_KEYS.join(', ')}`,
      );
    }
    const ruleSet: RuleSet = { rules: [], file: this.file };
    for (const pair of root.items) {
      const key = this.keyOf(pair, '');
      if (key === 'metrics') ruleSet.rules = this.readMetrics(this.node(pair.value));
      else if (key === 'default') {
        const { pattern: _pattern, ...rule } = this.readRule(
          this.node(pair.value),
          'default',
          'default',
          pair.key as Node,
        );
        ruleSet.default = rule;
      } else throw this.unknownKey(key, pair.key as Node, key, TOP_KEYS);
    }
    return ruleSet;
  }

  private readMetrics(node: Node | null): Rule[] {
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (!isMap(node)) {
      throw this.error(
        '`metrics` must be a map of metric patterns to rules',
        node,
        'metrics',
        'e.g.\n  metrics:\n    accuracy: { min: 0.8 }',
      );
    }
    return (node as YAMLMap).items.map((pair) => {
      const pattern = this.keyOf(pair, 'metrics');
      const path = `metrics.${pattern}`;
      if (pattern === '' || splitKey(pattern).some((segment) => segment === '')) {
        throw this.error(
          `pattern ${JSON.stringify(pattern)} has an empty path segment`,
          pair.key as Node,
          path,
          'write flattened keys like eval.slices.us.recall; `*` stands for one segment',
        );
      }
      const rule = this.readRule(this.node(pair.value), pattern, path, pair.key as Node);
      const needsDirection =
        rule.maxRegression !== undefined || rule.maxRegressionPct !== undefined;
      if (
        needsDirection &&
        rule.direction === undefined &&
        inferPatternDirection(pattern) === undefined
      ) {
        throw this.error(
          `rule ${JSON.stringify(pattern)} limits regression but its direction cannot be inferred from the name`,
          pair.key as Node,
          path,
          `add \`direction: higher\` or \`direction: lower\` (inferred only for names like accuracy, precision, recall, f1, auc, r2 → higher; loss, error, rmse, mae, mse, latency, *_ms, *_seconds → lower)`,
        );
      }
      return rule;
    });
  }

  private readRule(node: Node | null, pattern: string, path: string, keyNode: Node): Rule {
    const rule: Rule = {
      pattern,
      place: { file: this.file, line: this.lineOf(keyNode), key: path },
    };
    if (node === null || (isScalar(node) && node.value === null)) return rule;
    if (!isMap(node)) {
      throw this.error(
        `the rule for ${path} must be a map of settings`,
        node,
        path,
        `allowed keys: ${RULE_KEYS.join(', ')}; e.g. { min: 0.8, max_regression: 0.01 }`,
      );
    }
    const written: Partial<Record<RuleThreshold, string>> = {};
    for (const pair of (node as YAMLMap).items) {
      const key = this.keyOf(pair, path);
      const keyPath = `${path}.${key}`;
      const value = this.node(pair.value);
      switch (key) {
        case 'direction': {
          const direction = isScalar(value) ? value.value : undefined;
          if (typeof direction !== 'string' || !DIRECTIONS.includes(direction as Direction)) {
            throw this.error(
              `unknown direction ${this.show(value)}`,
              value ?? (pair.key as Node),
              keyPath,
              'allowed values: higher, lower',
            );
          }
          rule.direction = direction as Direction;
          break;
        }
        case 'required': {
          const required = isScalar(value) ? value.value : undefined;
          if (typeof required !== 'boolean') {
            throw this.error(
              `required must be true or false, not ${this.show(value)}`,
              value ?? (pair.key as Node),
              keyPath,
              'allowed values: true, false',
            );
          }
          rule.required = required;
          break;
        }
        case 'confidence': {
          const number = isScalar(value) ? value.value : undefined;
          if (typeof number !== 'number' || !(number > 0 && number < 1)) {
            throw this.error(
              `confidence must be a number between 0 and 1, not ${this.show(value)}`,
              value ?? (pair.key as Node),
              keyPath,
              "write the interval's level as a share, e.g. confidence: 0.95",
            );
          }
          rule.confidence = number;
          break;
        }
        case 'min':
        case 'max':
        case 'max_regression':
        case 'max_regression_pct': {
          const number = isScalar(value) ? value.value : undefined;
          if (typeof number !== 'number' || !Number.isFinite(number)) {
            const quotedNumber =
              typeof number === 'string' && /^[\s+-.\d]+$/.test(number) && number.trim() !== '';
            throw this.error(
              `${key} must be a finite number, not ${this.show(value)}`,
              value ?? (pair.key as Node),
              keyPath,
              `write a plain number, e.g. ${key}: ${EXAMPLE[key]}${quotedNumber ? ' (without quotes)' : ''}`,
            );
          }
          if (key.startsWith('max_regression') && number < 0) {
            throw this.error(
              `${key} cannot be negative (${number})`,
              value as Node,
              keyPath,
              `${key} is how much worse than the baseline a metric may get; 0 allows no regression. To demand an improvement, use min`,
            );
          }
          const field = THRESHOLD_OF[key]!;
          rule[field] = number;
          const source = isScalar(value) ? value.source : undefined;
          written[field] =
            source !== undefined && Number(source) === number ? source : String(number);
          break;
        }
        default:
          throw this.unknownKey(key, pair.key as Node, keyPath, RULE_KEYS);
      }
    }
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      throw this.error(
        `min ${written.min} is greater than max ${written.max}: no value can pass`,
        node,
        path,
        'swap them, or drop one',
      );
    }
    if (Object.keys(written).length > 0) rule.written = written;
    return rule;
  }

  /** A node with aliases followed (readYaml has bounded what they expand to). */
  private node(node: unknown): Node | null {
    return (this.yaml?.resolve(node) ?? null) as Node | null;
  }

  private keyOf(pair: Pair, parent: string): string {
    const key = this.node(pair.key);
    if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number')) {
      return key.source ?? String(key.value);
    }
    throw this.error(
      'keys must be plain names',
      key as Node,
      parent || undefined,
      'quote the key, e.g. "slices.*.recall":',
    );
  }

  private unknownKey(
    key: string,
    node: Node,
    path: string,
    allowed: readonly string[],
  ): UsageError {
    const near = allowed.find((candidate) => editDistance(candidate, key) <= 2);
    return this.error(
      `unknown key ${JSON.stringify(key)}`,
      node,
      path,
      `${near ? `did you mean ${near}? ` : ''}allowed keys: ${allowed.join(', ')}`,
    );
  }

  private show(node: Node | null): string {
    if (node === null) return 'nothing';
    if (isScalar(node)) {
      if (node.value === null) return 'nothing';
      return typeof node.value === 'string'
        ? JSON.stringify(node.value)
        : String(node.source ?? node.value);
    }
    return isMap(node) ? 'a map' : 'a list';
  }

  private lineOf(node: Node | null | undefined): number | undefined {
    return this.yaml?.lineOf(node);
  }

  private error(
    message: string,
    node: Node | null | undefined,
    key: string | undefined,
    hint: string,
  ): UsageError {
    return new UsageError(message, {
      place: { file: this.file, line: this.lineOf(node), key },
      hint,
    });
  }
}
