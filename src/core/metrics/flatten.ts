import { UsageError } from '../errors.js';
import type { MetricValue } from './model.js';
import type { TreeNode } from './tree.js';

/**
 * Nested keys join with dots (`eval.slices.us.recall`), as `dvc metrics diff` names them, and
 * list items by index (`eval.folds.0.auc`), where DVC (3.67) leaves lists out of the diff
 * altogether: a per-fold or per-epoch score is a metric a reviewer wants to see move. Empty maps
 * and lists hold no metric and vanish. Two entries that flatten to the same key
 * (`{"a.b": 1, "a": {"b": 2}}`) are an error: one would hide the other.
 */
export function flattenTree(tree: TreeNode, file: string): Map<string, MetricValue> {
  if (tree.kind === 'leaf') {
    throw new UsageError('the file holds a single value, not named metrics', {
      place: { file, line: tree.line },
      hint: 'write a map of metric names to values, e.g. {"accuracy": 0.91}',
    });
  }
  const values = new Map<string, MetricValue>();
  const lines = new Map<string, number | undefined>();

  // An explicit stack, children pushed in reverse so keys keep file order.
  const stack: { node: TreeNode; prefix: string; line: number | undefined }[] = [
    { node: tree, prefix: '', line: tree.line },
  ];
  while (stack.length > 0) {
    const { node, prefix, line } = stack.pop()!;
    if (node.kind === 'leaf') {
      if (values.has(prefix)) {
        const first = lines.get(prefix);
        throw new UsageError(`metric "${prefix}" appears twice after flattening nested keys`, {
          place: { file, line: node.line ?? line, key: prefix },
          hint: `rename one of them${first !== undefined ? ` (the other is on line ${first})` : ''}: nested keys join with dots, so {"a.b": 1} and {"a": {"b": 2}} collide`,
        });
      }
      values.set(prefix, node.value);
      lines.set(prefix, node.line ?? line);
    } else if (node.kind === 'map') {
      for (let i = node.entries.length - 1; i >= 0; i--) {
        const entry = node.entries[i]!;
        stack.push({
          node: entry.node,
          prefix: prefix === '' ? entry.key : `${prefix}.${entry.key}`,
          line: entry.line,
        });
      }
    } else {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i]!;
        stack.push({
          node: item,
          prefix: prefix === '' ? String(i) : `${prefix}.${i}`,
          line: item.line,
        });
      }
    }
  }
  return values;
}
