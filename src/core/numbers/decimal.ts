/**
 * Decimal-exact arithmetic on numbers as their authors wrote them.
 *
 * Metrics are compared from their written text ("0.70", "1e-3"), not from binary doubles, so
 * 0.75 → 0.70 is exactly -0.05 and a threshold of 0.80 is met by exactly 0.80. A decimal is a
 * BigInt coefficient scaled by a power of ten: value = coef × 10^exp. The exponent keeps the
 * author's scale, so "0.70" (coef 70, exp -2) subtracts to a result with two decimals.
 */
export interface Decimal {
  coef: bigint;
  exp: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Beyond this the BigInt alignment grows silly; such values are compared as doubles instead. */
const MAX_EXPONENT = 400;

/** A finite decimal from text like "0.70", "-1e-3", "+.5"; undefined for anything else. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const exp = Number(exponent) - fraction.length;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) return undefined;
  const digits = `${whole}${fraction}`;
  const coef = BigInt(digits === '' ? '0' : digits);
  return { coef: sign === '-' ? -coef : coef, exp };
}

/**
 * A finite double as a decimal. `String(n)` is the shortest text that reads back as `n`, which is
 * what a person wrote for any value with up to 15 significant digits (0.8 → "0.8").
 */
export function decimalFromNumber(n: number): Decimal | undefined {
  if (!Number.isFinite(n)) return undefined;
  return parseDecimal(String(n));
}

const POW10: bigint[] = Array.from({ length: 64 }, (_, n) => 10n ** BigInt(n));

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.exp === b.exp) return [a.coef, b.coef, a.exp];
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * pow10(a.exp - exp), b.coef * pow10(b.exp - exp), exp];
}

export function subtract(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = align(a, b);
  return { coef: x - y, exp };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { coef: a.coef * b.coef, exp: a.exp + b.exp };
}

function negate(a: Decimal): Decimal {
  return { coef: -a.coef, exp: a.exp };
}

export function abs(a: Decimal): Decimal {
  return a.coef < 0n ? negate(a) : a;
}

export function sign(a: Decimal): -1 | 0 | 1 {
  return a.coef < 0n ? -1 : a.coef > 0n ? 1 : 0;
}

export function compare(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain notation at the decimal's own scale: {coef: -5, exp: -2} → "-0.05"; never exponent form. */
export function toPlainString(a: Decimal): string {
  const negative = a.coef < 0n;
  const digits = (negative ? -a.coef : a.coef).toString();
  let body: string;
  if (a.exp >= 0) {
    body = digits === '0' ? '0' : digits + '0'.repeat(a.exp);
  } else {
    const scale = -a.exp;
    const padded = digits.padStart(scale + 1, '0');
    body = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  return negative ? `-${body}` : body;
}

/**
 * The written number as a JSON number when a double would change its digits (an integer above
 * 2^53 such as 9007199254740993, or more decimals than a double holds); undefined when
 * `String(value)` already says the same number, so ordinary values stay ordinary JSON numbers.
 */
export function exactNumberText(text: string, value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const written = parseDecimal(text);
  const shown = parseDecimal(String(value));
  if (!written || !shown || compare(written, shown) === 0) return undefined;
  return Math.abs(written.exp) <= 40 ? toPlainString(written) : `${written.coef}e${written.exp}`;
}

/** The nearest double (JavaScript's own decimal-to-double conversion rounds correctly). */
export function toNumber(a: Decimal): number {
  return Number(`${a.coef}e${a.exp}`);
}

/** Significant digits in the coefficient, trailing zeros included ("0.70" → 2). */
export function significantDigits(a: Decimal): number {
  if (a.coef === 0n) return 1;
  return (a.coef < 0n ? -a.coef : a.coef).toString().length;
}

/** a / b as a double, from the exact decimals (for percentages; display precision only). */
export function divideToNumber(a: Decimal, b: Decimal): number {
  if (b.coef === 0n) return a.coef === 0n ? Number.NaN : a.coef > 0n ? Infinity : -Infinity;
  // 20 extra digits of quotient are far more than a double holds.
  const shift = 20 + Math.max(0, b.coef.toString().length - a.coef.toString().length);
  const quotient = (a.coef * pow10(shift)) / b.coef;
  return Number(`${quotient}e${a.exp - b.exp - shift}`);
}

/** candidate − baseline from the written texts; undefined when either is not a finite decimal. */
export function decimalDelta(
  candidateText: string,
  baselineText: string,
): { value: number; text: string; decimal: Decimal } | undefined {
  const candidate = parseDecimal(candidateText);
  const baseline = parseDecimal(baselineText);
  if (!candidate || !baseline) return undefined;
  const decimal = subtract(candidate, baseline);
  return { value: toNumber(decimal), text: toPlainString(decimal), decimal };
}

/** delta / |baseline| × 100; null when the baseline is zero (the change has no relative size). */
export function percentChange(delta: Decimal, baseline: Decimal): number | null {
  if (baseline.coef === 0n) return null;
  return divideToNumber(multiply(delta, { coef: 100n, exp: 0 }), abs(baseline));
}
