import type { MetricValue } from './model.js';

/** A decimal number as text: "0.70", "-1e-3", "+.5", "12". */
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Spellings of NaN and the infinities that tools write: Python's json ("NaN", "Infinity"),
 * pandas ("nan", "inf"), YAML (".nan", ".inf"), Prometheus ("NaN", "+Inf").
 */
const NON_FINITE: Record<string, number> = {
  nan: Number.NaN,
  '.nan': Number.NaN,
  '+nan': Number.NaN,
  '-nan': Number.NaN,
  inf: Infinity,
  '+inf': Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '.inf': Infinity,
  '+.inf': Infinity,
  '-inf': -Infinity,
  '-infinity': -Infinity,
  '-.inf': -Infinity,
};

export function numberValue(value: number, text: string): MetricValue {
  return { kind: 'number', value, text };
}

/** NaN / ±Infinity from any common spelling, else undefined. */
export function nonFiniteFromText(text: string): number | undefined {
  return NON_FINITE[text.trim().toLowerCase()];
}

/** A number from its text if it is one (decimal or a NaN/Infinity spelling), else undefined. */
export function numberFromText(text: string): MetricValue | undefined {
  const trimmed = text.trim();
  if (NUMBER_TEXT.test(trimmed)) return numberValue(Number(trimmed), trimmed);
  const special = nonFiniteFromText(trimmed);
  return special === undefined ? undefined : numberValue(special, trimmed);
}

/**
 * An untyped cell (CSV, TSV): number, boolean, empty → null, or text. Quoting is only syntax in
 * CSV (pandas' QUOTE_ALL quotes numbers too), so quoted cells are typed the same way.
 */
export function valueFromCell(text: string): MetricValue {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'null' };
  const number = numberFromText(trimmed);
  if (number) return number;
  const lower = trimmed.toLowerCase();
  if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true' };
  return { kind: 'text', value: trimmed };
}
