import { parse, TomlDate, TomlError } from 'smol-toml';
import { UsageError } from '../../errors.js';
import type { MetricValue } from '../model.js';
import { numberValue } from '../scalar.js';
import type { TreeNode } from '../tree.js';

/**
 * TOML through smol-toml. Its parser gives values, not source text, so a float's text is the
 * shortest form that reads back as the same double ("0.70" shows as "0.7"); the value and
 * every delta stay exact. Integers too large for a double keep their digits via BigInt.
 * Line numbers exist for syntax errors only (smol-toml does not expose node positions).
 */
export function parseTomlTree(text: string, file: string): TreeNode {
  let table: Record<string, unknown>;
  try {
    table = parse(text, { integersAsBigInt: 'asNeeded' }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new UsageError(`malformed TOML: ${reason}`, {
        place: { file, line: error.line, column: error.column },
        hint: 'check quoting, `=` between key and value, and repeated keys or tables near that line',
        cause: error,
      });
    }
    throw error;
  }
  return toTree(table);
}

function toTree(value: unknown): TreeNode {
  if (Array.isArray(value)) return { kind: 'list', items: value.map(toTree) };
  if (value instanceof TomlDate)
    return { kind: 'leaf', value: { kind: 'text', value: value.toISOString() } };
  if (value !== null && typeof value === 'object') {
    return {
      kind: 'map',
      entries: Object.entries(value as Record<string, unknown>).map(([key, node]) => ({
        key,
        node: toTree(node),
      })),
    };
  }
  return { kind: 'leaf', value: leafValue(value) };
}

function leafValue(value: unknown): MetricValue {
  if (typeof value === 'number') return numberValue(value, String(value));
  if (typeof value === 'bigint') return numberValue(Number(value), value.toString());
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'string') return { kind: 'text', value };
  return { kind: 'text', value: String(value) };
}
