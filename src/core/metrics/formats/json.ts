import { UsageError } from '../../errors.js';
import type { MetricValue } from '../model.js';
import { MAX_NESTING, type TreeEntry, type TreeNode } from '../tree.js';

/**
 * A small JSON reader, because JSON.parse loses what the gate needs: the written text of each
 * number ("0.70" must stay "0.70"), the line of each key, and duplicate keys (JSON.parse keeps
 * the last one silently). It also accepts NaN, Infinity and -Infinity, which Python's json
 * module writes by default.
 */
export function parseJsonTree(text: string, file: string): TreeNode {
  return new JsonReader(text, file).document();
}

/** Thrown inside the flat reader when two leaves flatten to one key; the tree reader explains it. */
class Collision extends Error {}

/**
 * The flattened metrics of a JSON document in one pass, without building the tree: a file of a
 * million metrics would otherwise hold a million tree nodes at once. Anything unusual (a
 * top-level scalar, a duplicate or colliding key) is read again by the tree reader, whose
 * errors name both lines.
 */
export function parseJsonFlat(text: string, file: string): Map<string, MetricValue> | undefined {
  const values = new Map<string, MetricValue>();
  const reader = new JsonReader(text, file, (key, value) => {
    if (values.has(key)) throw new Collision();
    values.set(key, value);
  });
  try {
    const root = reader.document();
    return root.kind === 'leaf' ? undefined : values;
  } catch (error) {
    if (error instanceof Collision) return undefined;
    throw error;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** The first segments of a very long key path, for an error message. */
function shorten(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 120)}…`;
}

class JsonReader {
  private pos = 0;
  private depth = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    /** Flat mode: each leaf goes here under its dotted key, and containers stay empty. */
    private readonly sink?: (key: string, value: MetricValue) => void,
  ) {}

  document(): TreeNode {
    this.skipSpace();
    const node = this.value('');
    this.skipSpace();
    if (this.pos < this.text.length)
      this.fail(`unexpected ${this.describe()} after the end of the document`);
    return node;
  }

  private fail(message: string, key?: string): never {
    throw new UsageError(`malformed JSON: ${message}`, {
      place: {
        file: this.file,
        line: this.line,
        column: this.pos - this.lineStart + 1,
        key: key || undefined,
      },
      hint: 'check the file with a JSON linter (e.g. `python -m json.tool FILE`)',
    });
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'end of file';
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 32 || c === 9 || c === 13) this.pos++;
      else break;
    }
  }

  private value(path: string): TreeNode {
    const c = this.text[this.pos];
    const line = this.line;
    if (c === '{' || c === '[') {
      // The reader recurses once per level: the depth is checked before it descends.
      if (++this.depth > MAX_NESTING) {
        throw new UsageError(`JSON nests deeper than ${MAX_NESTING} levels`, {
          place: {
            file: this.file,
            line: this.line,
            column: this.pos - this.lineStart + 1,
            key: path === '' ? undefined : shorten(path),
          },
          hint: `limit: nesting depth ${MAX_NESTING}; flatten the structure (metrics are read as dotted keys)`,
        });
      }
      const node = c === '{' ? this.object(path) : this.array(path);
      this.depth--;
      return node;
    }
    if (c === '"') return { kind: 'leaf', value: { kind: 'text', value: this.string() }, line };
    if (this.take('true')) return { kind: 'leaf', value: { kind: 'boolean', value: true }, line };
    if (this.take('false')) return { kind: 'leaf', value: { kind: 'boolean', value: false }, line };
    if (this.take('null')) return { kind: 'leaf', value: { kind: 'null' }, line };
    if (this.take('NaN')) return this.number(Number.NaN, 'NaN', line);
    if (this.take('Infinity')) return this.number(Infinity, 'Infinity', line);
    if (this.take('-Infinity')) return this.number(-Infinity, '-Infinity', line);
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match) {
      this.pos += match[0].length;
      return this.number(Number(match[0]), match[0], line);
    }
    return this.fail(`expected a value, found ${this.describe()}`, path);
  }

  private number(value: number, text: string, line: number): TreeNode {
    return { kind: 'leaf', value: { kind: 'number', value, text }, line };
  }

  private take(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private object(path: string): TreeNode {
    const line = this.line;
    this.pos++; // {
    const entries: TreeEntry[] = [];
    const seen = this.sink ? undefined : new Set<string>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'map', entries, line };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"')
        this.fail(`expected a quoted key, found ${this.describe()}`, path);
      const keyLine = this.line;
      const key = this.string();
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (seen?.has(key)) this.fail(`duplicate key "${key}"`, keyPath);
      seen?.add(key);
      this.skipSpace();
      if (this.text[this.pos] !== ':')
        this.fail(`expected ':' after key "${key}", found ${this.describe()}`, keyPath);
      this.pos++;
      this.skipSpace();
      const node = this.value(keyPath);
      if (!this.sink) entries.push({ key, node, line: keyLine });
      else if (node.kind === 'leaf') this.sink(keyPath, node.value);
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { kind: 'map', entries, line };
      }
      this.fail(
        `expected ',' or '}' after the value of "${key}", found ${this.describe()}`,
        keyPath,
      );
    }
  }

  private array(path: string): TreeNode {
    const line = this.line;
    this.pos++; // [
    const items: TreeNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'list', items, line };
    }
    for (let index = 0; ; index++) {
      this.skipSpace();
      const itemPath = path === '' ? String(index) : `${path}.${index}`;
      const node = this.value(itemPath);
      if (!this.sink) items.push(node);
      else if (node.kind === 'leaf') this.sink(itemPath, node.value);
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { kind: 'list', items, line };
      }
      this.fail(`expected ',' or ']' in a list, found ${this.describe()}`, path);
    }
  }

  private string(): string {
    const text = this.text;
    const start = ++this.pos; // opening quote
    // Fast path: no escapes.
    let end = start;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === 34) {
        this.pos = end + 1;
        return text.slice(start, end);
      }
      if (c === 92 || c < 32) break;
      end++;
    }
    let out = text.slice(start, end);
    this.pos = end;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\n' || c.charCodeAt(0) < 32)
        this.fail('unterminated string (a raw line break or control character inside quotes)');
      if (c === '\\') {
        const next = text[this.pos + 1];
        const escaped = next === undefined ? undefined : ESCAPES[next];
        if (escaped !== undefined) {
          out += escaped;
          this.pos += 2;
          continue;
        }
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
          continue;
        }
        this.fail(`bad escape sequence "\\${next ?? ''}" in a string`);
      }
      out += c;
      this.pos++;
    }
    return this.fail('unterminated string (missing closing quote)');
  }
}
