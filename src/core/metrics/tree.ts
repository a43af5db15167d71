import type { MetricValue } from './model.js';

/**
 * A structured metrics file before flattening, with the line each entry was written on.
 * JSON, YAML and TOML parsers produce this; flatten.ts turns it into dotted keys.
 */
export type TreeNode =
  | { kind: 'map'; entries: TreeEntry[]; line?: number }
  | { kind: 'list'; items: TreeNode[]; line?: number }
  | { kind: 'leaf'; value: MetricValue; line?: number };

export interface TreeEntry {
  key: string;
  node: TreeNode;
  line?: number;
}

/**
 * The deepest nesting a metrics file may have (JSON, YAML, TOML alike). Checked by each parser
 * before it descends, so no parser or walker recurses deeper than this whatever the file holds.
 */
export const MAX_NESTING = 256;
