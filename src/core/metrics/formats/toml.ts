import { parse, TomlDate, TomlError } from 'smol-toml';
import { UsageError } from '../../errors.js';
import type { MetricValue } from '../model.js';
import { numberValue } from '../scalar.js';
import { MAX_NESTING, type TreeNode } from '../tree.js';

/**
 * TOML through smol-toml. Its parser gives values, not source text, so a float's text is the
 * shortest form that reads back as the same double ("0.70" shows as "0.7"); the value and
 * every delta stay exact. Integers too large for a double keep their digits via BigInt.
 * Line numbers exist for syntax errors only (smol-toml does not expose node positions).
 */
export function parseTomlTree(text: string, file: string): TreeNode {
  let table: Record<string, unknown>;
  try {
    table = parse(text, { integersAsBigInt: 'asNeeded', maxDepth: MAX_NESTING }) as Record<
      string,
      unknown
    >;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new UsageError(`malformed TOML: ${reason}`, {
        place: { file, line: error.line, column: error.column },
        hint: /nested/i.test(reason)
          ? `limit: nesting depth ${MAX_NESTING}; flatten the structure`
          : 'check quoting, `=` between key and value, and repeated keys or tables near that line',
        cause: error,
      });
    }
    if (error instanceof RangeError) {
      // smol-toml recurses on nesting it does not count (e.g. very long dotted keys).
      throw new UsageError(`TOML nests too deeply to read (${error.message})`, {
        place: { file },
        hint: `limit: nesting depth ${MAX_NESTING}; flatten the structure`,
        cause: error,
      });
    }
    throw error;
  }
  return toTree(table, file);
}

/** The parsed tables as a TreeNode, with an explicit stack and a depth limit. */
function toTree(table: Record<string, unknown>, file: string): TreeNode {
  const convert = (value: unknown): TreeNode => {
    if (Array.isArray(value)) return { kind: 'list', items: [] };
    if (value instanceof TomlDate)
      return { kind: 'leaf', value: { kind: 'text', value: value.toISOString() } };
    if (value !== null && typeof value === 'object') return { kind: 'map', entries: [] };
    return { kind: 'leaf', value: leafValue(value) };
  };
  const root = convert(table);
  const stack: { value: unknown; node: TreeNode; path: string; depth: number }[] = [
    { value: table, node: root, path: '', depth: 1 },
  ];
  while (stack.length > 0) {
    const { value, node, path, depth } = stack.pop()!;
    if (depth > MAX_NESTING) {
      throw new UsageError(`TOML nests deeper than ${MAX_NESTING} levels`, {
        place: { file, key: path.length <= 120 ? path : `${path.slice(0, 120)}…` },
        hint: `limit: nesting depth ${MAX_NESTING}; flatten the structure (metrics are read as dotted keys)`,
      });
    }
    const children: [string, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [String(index), item])
      : Object.entries(value as Record<string, unknown>);
    for (const [key, childValue] of children) {
      const child = convert(childValue);
      if (node.kind === 'list') node.items.push(child);
      else if (node.kind === 'map') node.entries.push({ key, node: child });
      if (child.kind !== 'leaf')
        stack.push({
          value: childValue,
          node: child,
          path: path === '' ? key : `${path}.${key}`,
          depth: depth + 1,
        });
    }
  }
  return root;
}

function leafValue(value: unknown): MetricValue {
  if (typeof value === 'number') return numberValue(value, String(value));
  if (typeof value === 'bigint') return numberValue(Number(value), value.toString());
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'string') return { kind: 'text', value };
  return { kind: 'text', value: String(value) };
}
