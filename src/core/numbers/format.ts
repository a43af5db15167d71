import type { MetricValue } from '../metrics/model.js';
import {
  parseDecimal,
  significantDigits,
  toNumber,
  toPlainString,
  type Decimal,
} from './decimal.js';

/**
 * Numbers for people. Values keep the author's digits ("0.70" stays "0.70"); computed numbers
 * (deltas, percentages) come from exact decimals and are shown at a precision that never exposes
 * binary noise. Signs use ASCII "-" and "+" everywhere, so text copies into code and shells.
 */

/** Up to this many significant digits, a written number is shown exactly as written. */
const KEEP_DIGITS = 10;
/** Longer numbers (e.g. Python's 0.8333333333333334) are rounded to this many. */
const ROUND_DIGITS = 6;
/** Outside [SMALL, LARGE) rounded numbers switch to exponent form. */
const SMALL = 1e-6;
const LARGE = 1e15;

function formatNonFinite(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? '∞' : '-∞';
}

/** Trim "1.50000e+6" → "1.5e+6" and "2.000" → "2". */
function trimZeros(text: string): string {
  const [mantissa = '', exponent] = text.split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

/** A double at `digits` significant digits, in exponent form when very large or very small. */
function roundForDisplay(n: number, digits: number): string {
  if (n === 0) return '0';
  const magnitude = Math.abs(n);
  if (magnitude < SMALL || magnitude >= LARGE) return trimZeros(n.toExponential(digits - 1));
  // toPrecision switches to exponent form on its own for large integers; keep plain up to LARGE.
  const text = n.toPrecision(digits);
  return text.includes('e') ? trimZeros(n.toFixed(0)) : trimZeros(text);
}

/** "9007199254740993", "-12": digits a person counts, never rounded (above 2^53 a double would). */
const PLAIN_INTEGER = /^[+-]?\d+$/;

function displayDecimal(decimal: Decimal, written: string | undefined): string {
  if (written !== undefined && PLAIN_INTEGER.test(written.trim()))
    return written.trim().replace(/^\+/, '');
  // An exact integer delta (both sides written as integers) keeps every digit too.
  if (written === undefined && decimal.exp === 0) return toPlainString(decimal);
  const value = toNumber(decimal);
  if (significantDigits(decimal) > KEEP_DIGITS) return roundForDisplay(value, ROUND_DIGITS);
  if (written !== undefined) return written.trim().replace(/^\+/, '');
  const magnitude = Math.abs(value);
  if (value !== 0 && (magnitude < SMALL || magnitude >= LARGE)) {
    return trimZeros(value.toExponential(significantDigits(decimal) - 1));
  }
  return toPlainString(decimal);
}

/** A number as its author wrote it when that is readable, else rounded. */
export function formatNumberText(text: string, value: number): string {
  if (!Number.isFinite(value)) return formatNonFinite(value);
  const decimal = parseDecimal(text);
  if (!decimal) return roundForDisplay(value, ROUND_DIGITS);
  return displayDecimal(decimal, text);
}

/** A metric value for a table cell; absent values show as an empty string. */
export function formatMetricValue(value: MetricValue | undefined): string {
  if (value === undefined) return '';
  switch (value.kind) {
    case 'number':
      return formatNumberText(value.text, value.value);
    case 'text':
      return value.value;
    case 'boolean':
      return String(value.value);
    case 'null':
      return 'null';
  }
}

/**
 * A computed decimal (a delta) at sensible precision, signed: "+0.012", "-0.05", "0".
 * Give the exact decimal when there is one; a double alone is rounded.
 */
export function formatDelta(delta: Decimal | number | null | undefined): string {
  if (delta === null || delta === undefined) return '';
  let body: string;
  let negative: boolean;
  let zero: boolean;
  if (typeof delta === 'number') {
    if (!Number.isFinite(delta)) return Number.isNaN(delta) ? 'NaN' : delta > 0 ? '+∞' : '-∞';
    zero = delta === 0;
    negative = delta < 0;
    body = roundForDisplay(Math.abs(delta), ROUND_DIGITS);
  } else {
    zero = delta.coef === 0n;
    negative = delta.coef < 0n;
    body = displayDecimal({ coef: negative ? -delta.coef : delta.coef, exp: delta.exp }, undefined);
  }
  if (zero) return '0';
  return `${negative ? '-' : '+'}${body}`;
}

/**
 * A percentage with about two decimals: "6.67 %", signed "+6.67 %" / "-6.67 %"; in prose
 * "10 %". `fixed` keeps both decimals ("+2.00 %" beside "+0.29 %") so a table column reads at
 * one precision. Tiny values keep two significant digits ("0.0012 %") so a real change never
 * reads as zero.
 */
export function formatPercent(
  pct: number | null | undefined,
  options: { signed?: boolean; fixed?: boolean } = {},
): string {
  if (pct === null || pct === undefined) return '';
  const trim = options.fixed ? (text: string) => text : trimZeros;
  const signed = options.signed ?? false;
  if (!Number.isFinite(pct)) {
    if (Number.isNaN(pct)) return 'NaN';
    return `${pct < 0 ? '-' : signed ? '+' : ''}∞\u00a0%`;
  }
  const magnitude = Math.abs(pct);
  let body: string;
  if (magnitude === 0) return `${trim('0.00')}\u00a0%`;
  if (magnitude >= LARGE) body = trimZeros(magnitude.toExponential(2));
  else if (magnitude < 0.005) body = trimZeros(magnitude.toPrecision(2));
  else body = trim(magnitude.toFixed(2));
  const sign = pct < 0 ? '-' : signed ? '+' : '';
  // A no-break space keeps the number and its unit on one line in narrow table columns.
  return `${sign}${body}\u00a0%`;
}
