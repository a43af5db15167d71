/**
 * A metric value as read from a file. Numbers include NaN and ±Infinity (they fail any
 * rule that touches them); strings and booleans are shown, never gated.
 * `text` keeps the value as written in the file (e.g. "0.70"), so deltas and display
 * keep the author's precision and never show binary floating-point noise.
 */
export type MetricValue =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'text'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

/** One metrics file after flattening: `eval.slices.us.recall` → value, in file order. */
export interface MetricsSet {
  /** The path as the user gave it; also the table title and the JSON `file`. */
  file: string;
  values: Map<string, MetricValue>;
}

export type MetricsFormat = 'json' | 'yaml' | 'toml' | 'csv' | 'tsv' | 'openmetrics';
