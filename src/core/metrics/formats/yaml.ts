import { isMap, isScalar, isSeq } from 'yaml';
import { UsageError } from '../../errors.js';
import { readYaml, type YamlFile } from '../../yaml/read.js';
import type { MetricValue } from '../model.js';
import { nonFiniteFromText, numberValue } from '../scalar.js';
import type { TreeEntry, TreeNode } from '../tree.js';

/**
 * YAML through the `yaml` package's document model, which keeps each scalar's source text
 * (so "0.70" stays "0.70") and each node's offset (for line numbers). Unquoted NaN / Infinity /
 * inf spellings count as numbers, as the YAML `.nan` / `.inf` do.
 */
export function parseYamlTree(text: string, file: string): TreeNode {
  const yaml = readYaml(text, file, {
    syntaxHint: (code) =>
      code === 'DUPLICATE_KEY'
        ? 'each key may appear once per map: remove or rename the repeated one'
        : 'check indentation and quoting near that line',
  });
  if (yaml.contents === null) {
    throw new UsageError('the file holds no metrics (only comments or blank lines)', {
      place: { file },
      hint: 'write a map of metric names to values, e.g. `accuracy: 0.91`',
    });
  }
  return toTree(yaml);
}

/**
 * The document as a TreeNode, aliases expanded. readYaml has bounded the depth and the nodes
 * reached through aliases, and the walk uses an explicit stack all the same.
 */
function toTree(yaml: YamlFile): TreeNode {
  const convert = (node: unknown): TreeNode => {
    const resolved = yaml.resolve(node);
    if (isMap(resolved)) return { kind: 'map', entries: [], line: yaml.lineOf(resolved) };
    if (isSeq(resolved)) return { kind: 'list', items: [], line: yaml.lineOf(resolved) };
    if (isScalar(resolved))
      return {
        kind: 'leaf',
        value: scalarValue(resolved.value, resolved.source, resolved.type),
        line: yaml.lineOf(resolved),
      };
    // A key with nothing after it (`accuracy:`) has a null value.
    return { kind: 'leaf', value: { kind: 'null' } };
  };
  const root = convert(yaml.contents);
  const stack: { source: unknown; target: TreeNode }[] = [{ source: yaml.contents, target: root }];
  while (stack.length > 0) {
    const { source, target } = stack.pop()!;
    const node = yaml.resolve(source);
    if (isMap(node) && target.kind === 'map') {
      for (const pair of node.items) {
        const keyNode = yaml.resolve(pair.key);
        const key = isScalar(keyNode) ? (keyNode.source ?? String(keyNode.value)) : String(keyNode);
        const child = convert(pair.value);
        const entry: TreeEntry = { key, node: child, line: yaml.lineOf(pair.key) };
        target.entries.push(entry);
        if (child.kind !== 'leaf') stack.push({ source: pair.value, target: child });
      }
    } else if (isSeq(node) && target.kind === 'list') {
      for (const item of node.items) {
        const child = convert(item);
        target.items.push(child);
        if (child.kind !== 'leaf') stack.push({ source: item, target: child });
      }
    }
  }
  return root;
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
