import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { readYaml, type YamlFile } from '../yaml/read.js';
import { UsageError } from '../errors.js';
import { editDistance } from '../text/edit-distance.js';

/**
 * The rollout spec read with every value's line, so a mistake is a UsageError naming the file,
 * the line, the key path and the fix. Parsing goes through the one bounded reader
 * (src/core/yaml/read.ts: size, depth and alias limits); an alias is followed where a value is read.
 */
export class YamlReader {
  private readonly yaml: YamlFile;
  readonly root: Node | null;

  constructor(
    text: string,
    readonly file: string,
    what: string,
  ) {
    this.yaml = readYaml(text, file, {
      what: `the ${what}`,
      syntaxHint: () => 'check indentation and quoting near that line',
    });
    this.root = this.resolved(this.yaml.contents);
  }

  /** The node an alias names; any other node as it is. */
  private resolved(node: Node | null | undefined): Node | null {
    return (node ? (this.yaml.resolve(node) as Node) : null) ?? null;
  }

  line(node: Node | null | undefined): number | undefined {
    return this.yaml.lineOf(node ?? undefined);
  }

  error(
    message: string,
    node: Node | null | undefined,
    key: string | undefined,
    hint: string,
  ): UsageError {
    const line = this.line(node);
    return new UsageError(message, {
      place: { file: this.file, ...(line !== undefined ? { line } : {}), ...(key ? { key } : {}) },
      hint,
    });
  }

  isEmpty(node: Node | null | undefined): boolean {
    return node == null || (isScalar(node) && (node.value === null || node.value === ''));
  }

  /** The entries of a map, each key checked against `allowed` (unknown keys: a did-you-mean). */
  entries(
    node: Node | null | undefined,
    path: string,
    allowed: readonly string[],
    example: string,
  ): [string, Node | null, Node][] {
    if (!isMap(node)) {
      throw this.error(
        `${path || 'the file'} must be a map`,
        node,
        path || undefined,
        `e.g. ${example}`,
      );
    }
    return (node as YAMLMap).items.map((pair) => {
      const keyNode = pair.key as Node;
      if (
        !isScalar(keyNode) ||
        (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')
      ) {
        throw this.error(
          'keys must be plain names',
          keyNode,
          path || undefined,
          `allowed keys: ${allowed.join(', ')}`,
        );
      }
      const key = String(keyNode.value);
      const keyPath = path ? `${path}.${key}` : key;
      if (allowed.length > 0 && !allowed.includes(key)) {
        const near = allowed.find((candidate) => editDistance(candidate, key) <= 2);
        throw this.error(
          `unknown key ${JSON.stringify(key)}`,
          keyNode,
          keyPath,
          `${near ? `did you mean ${near}? ` : ''}allowed keys: ${allowed.join(', ')}`,
        );
      }
      return [key, this.resolved(pair.value as Node | null), keyNode];
    });
  }

  /** Map entries with free keys (version names, header names). */
  freeEntries(
    node: Node | null | undefined,
    path: string,
    example: string,
  ): [string, Node | null, Node][] {
    return this.entries(node, path, [], example);
  }

  items(node: Node | null | undefined, path: string, example: string): Node[] {
    if (!isSeq(node)) throw this.error(`${path} must be a list`, node, path, `e.g. ${example}`);
    return (node.items as Node[]).map((item) => this.resolved(item) as Node);
  }

  show(node: Node | null | undefined): string {
    if (node == null) return 'nothing';
    if (isScalar(node)) {
      if (node.value === null) return 'nothing';
      return typeof node.value === 'string'
        ? JSON.stringify(node.value)
        : String(node.source ?? node.value);
    }
    return isMap(node) ? 'a map' : isSeq(node) ? 'a list' : 'a value';
  }

  string(node: Node | null | undefined, path: string, example: string): string {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (typeof value === 'number' && isScalar(node)) return String(node.source ?? value);
    throw this.error(
      `${path} must be a non-empty text, not ${this.show(node)}`,
      node,
      path,
      `e.g. ${example}`,
    );
  }

  number(
    node: Node | null | undefined,
    path: string,
    range: { min?: number; max?: number; integer?: boolean },
    example: string,
  ): number {
    const value = isScalar(node) ? node.value : undefined;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max) &&
      (!range.integer || Number.isInteger(value));
    if (!ok) {
      const kind = range.integer ? 'a whole number' : 'a number';
      const bounds =
        range.min !== undefined && range.max !== undefined
          ? `${kind} from ${range.min} to ${range.max}`
          : range.min !== undefined
            ? `${kind} of at least ${range.min}`
            : range.max !== undefined
              ? `${kind} of at most ${range.max}`
              : kind;
      const quoted =
        typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value));
      throw this.error(
        `${path} must be ${bounds}, not ${this.show(node)}`,
        node,
        path,
        `e.g. ${example}${quoted ? ' (without quotes)' : ''}`,
      );
    }
    return value as number;
  }

  choice<T extends string>(node: Node | null | undefined, path: string, options: readonly T[]): T {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'string' && (options as readonly string[]).includes(value))
      return value as T;
    const near =
      typeof value === 'string' ? options.find((o) => editDistance(o, value) <= 2) : undefined;
    throw this.error(
      `${path} must be one of ${options.join(', ')}, not ${this.show(node)}`,
      node,
      path,
      `${near ? `did you mean ${near}? ` : ''}allowed values: ${options.join(', ')}`,
    );
  }

  /** A duration: `500ms`, `30s`, `5m`, `1h`, or a plain number of seconds. In ms. */
  duration(node: Node | null | undefined, path: string): number {
    const value = isScalar(node) ? node.value : undefined;
    const ms =
      typeof value === 'number'
        ? value * 1000
        : typeof value === 'string'
          ? parseDuration(value)
          : undefined;
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      throw this.error(
        `${path} must be a duration like 30s, 5m, 1h or 500ms, not ${this.show(node)}`,
        node,
        path,
        'write a number followed by ms, s, m or h (a bare number is seconds)',
      );
    }
    return ms;
  }

  stringMap(node: Node | null | undefined, path: string, example: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of this.freeEntries(node, path, example)) {
      out[key] = this.string(value, `${path}.${key}`, example);
    }
    return out;
  }

  stringList(node: Node | null | undefined, path: string, example: string): string[] {
    return this.items(node, path, example).map((item, i) =>
      this.string(item, `${path}[${i}]`, example),
    );
  }

  /**
   * An http(s) URL, written as it will be sent: no spaces or control characters (the URL parser
   * would drop or encode them silently). `credentials: false` refuses `user:password@` (for
   * addresses sluice never sends credentials to).
   */
  url(node: Node | null, path: string, options: { credentials?: boolean } = {}): string {
    const text = this.string(node, path, 'http://127.0.0.1:8080');
    let parsed: URL | undefined;
    try {
      parsed = /^[\x21-\x7e]+$/.test(text) ? new URL(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw this.error(
        `${path} must be an http(s) URL, not ${JSON.stringify(text.slice(0, 200))}`,
        node,
        path,
        'e.g. http://127.0.0.1:8080 (no spaces or line breaks; percent-encode other characters)',
      );
    }
    if (options.credentials === false && (parsed.username || parsed.password)) {
      throw this.error(
        `${path} has credentials in its URL; sluice does not send them there`,
        node,
        path,
        'drop user:password@ from the URL',
      );
    }
    return text;
  }

  /** Version name to http(s) URL (no credentials: sluice sends requests of its own there). */
  urlMap(node: Node | null, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of this.freeEntries(node, path, '{ v1: http://127.0.0.1:8081 }'))
      out[key] = this.url(value, `${path}.${key}`, { credentials: false });
    return out;
  }

  /** The `type:` of a map that has one of several shapes (routers, providers). */
  typeOf<T extends string>(node: Node | null, path: string, types: readonly T[]): T {
    if (!isMap(node))
      throw this.error(
        `${path} must be a map with a type`,
        node,
        path,
        `type is one of ${types.join(', ')}`,
      );
    const typeNode = node.get('type', true) as Node | undefined;
    if (typeNode === undefined)
      throw this.error(
        `${path} has no type`,
        node,
        `${path}.type`,
        `add type: (one of ${types.join(', ')})`,
      );
    return this.choice(typeNode, `${path}.type`, types);
  }

  /** A value a key must have been given: the error names the missing key and an example. */
  required<T>(value: T | undefined, node: Node | null, path: string, example: string): T {
    if (value === undefined) {
      const key = path.split('.').pop()!;
      throw this.error(
        `${path.slice(0, path.length - key.length - 1)} has no ${key}`,
        node,
        path,
        `add ${key}: ${example}`,
      );
    }
    return value;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `1h`, `1m30s`, or a plain number of seconds; undefined when not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}

/** A duration for people: `1m30s`, `45s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${r || (!h && !m) ? `${r}s` : ''}`;
}
