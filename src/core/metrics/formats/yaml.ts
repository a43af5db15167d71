import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import { UsageError } from '../../errors.js';
import type { MetricValue } from '../model.js';
import { nonFiniteFromText, numberValue } from '../scalar.js';
import type { TreeEntry, TreeNode } from '../tree.js';

/**
 * YAML through the `yaml` package's document model, which keeps each scalar's source text
 * (so "0.70" stays "0.70") and each node's offset (for line numbers). Unquoted NaN / Infinity /
 * inf spellings count as numbers, as the YAML `.nan` / `.inf` do.
 */
export function parseYamlTree(text: string, file: string): TreeNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const pos = lineCounter.linePos(error.pos[0]);
    throw new UsageError(`malformed YAML: ${firstLine(error.message)}`, {
      place: { file, line: pos.line, column: pos.col },
      hint:
        error.code === 'DUPLICATE_KEY'
          ? 'each key may appear once per map: remove or rename the repeated one'
          : 'check indentation and quoting near that line',
    });
  }
  if (doc.contents === null) {
    throw new UsageError('the file holds no metrics (only comments or blank lines)', {
      place: { file },
      hint: 'write a map of metric names to values, e.g. `accuracy: 0.91`',
    });
  }
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  return toTree(doc, doc.contents, lineOf, file);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function toTree(
  doc: Document,
  node: unknown,
  lineOf: (node: Node | null | undefined) => number | undefined,
  file: string,
): TreeNode {
  if (isAlias(node)) return toTree(doc, node.resolve(doc), lineOf, file);
  if (isMap(node)) {
    const entries: TreeEntry[] = node.items.map((pair) => {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? (keyNode.source ?? String(keyNode.value)) : String(keyNode);
      return { key, node: toTree(doc, pair.value, lineOf, file), line: lineOf(keyNode as Node) };
    });
    return { kind: 'map', entries, line: lineOf(node) };
  }
  if (isSeq(node)) {
    return {
      kind: 'list',
      items: node.items.map((item) => toTree(doc, item, lineOf, file)),
      line: lineOf(node),
    };
  }
  if (isScalar(node))
    return {
      kind: 'leaf',
      value: scalarValue(node.value, node.source, node.type),
      line: lineOf(node),
    };
  // A key with nothing after it (`accuracy:`) has a null value.
  return { kind: 'leaf', value: { kind: 'null' } };
}

function scalarValue(
  value: unknown,
  source: string | undefined,
  type: string | undefined,
): MetricValue {
  if (typeof value === 'number') {
    const written = source !== undefined && Number(source) === value ? source : String(value);
    return numberValue(value, Number.isFinite(value) ? written : (source ?? String(value)));
  }
  if (typeof value === 'bigint') return numberValue(Number(value), value.toString());
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (value === null || value === undefined) return { kind: 'null' };
  if (typeof value === 'string') {
    const special = type === 'PLAIN' ? nonFiniteFromText(value) : undefined;
    return special === undefined ? { kind: 'text', value } : numberValue(special, value);
  }
  // Dates and other tagged values: shown as written, never gated.
  return { kind: 'text', value: source ?? String(value) };
}
