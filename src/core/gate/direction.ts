import type { Direction } from './model.js';
import { leafName } from './keys.js';

/**
 * Which way is better, from the metric's name alone: its last path segment, split into words at
 * `_`, `-`, spaces and camelCase humps (`val_loss`, `test_accuracy`, `f1_score`, `roc_auc`,
 * `valLoss`). A unit suffix decides first (`*_ms`, `*_seconds` are durations: lower); then the
 * last word that names a known measure. Unknown names return undefined: the gate never guesses.
 */
const HIGHER = new Set(['accuracy', 'precision', 'recall', 'f1', 'auc', 'r2']);
const LOWER = new Set(['loss', 'error', 'rmse', 'mae', 'mse', 'latency']);
const LOWER_UNITS = new Set(['ms', 'seconds']);

export function inferDirection(key: string): Direction | undefined {
  const words = leafName(key)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  const last = words[words.length - 1];
  if (last !== undefined && words.length > 1 && LOWER_UNITS.has(last)) return 'lower';
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i]!;
    if (HIGHER.has(word)) return 'higher';
    if (LOWER.has(word)) return 'lower';
  }
  return undefined;
}

/**
 * The direction a rule pattern tells: its words without the wildcards (`*_loss`, `val_*_auc`),
 * else with each `*` standing for a word, so that a unit suffix is one (`*_ms`, `*_seconds`).
 */
export function inferPatternDirection(pattern: string): Direction | undefined {
  return inferDirection(pattern.replace(/\*/g, '')) ?? inferDirection(pattern.replace(/\*/g, 'x'));
}
