import { describe, expect, it } from 'vitest';
import {
  compare,
  decimalDelta,
  decimalFromNumber,
  divideToNumber,
  parseDecimal,
  percentChange,
  toPlainString,
} from '../../../src/core/numbers/decimal.js';

const d = (text: string) => {
  const value = parseDecimal(text);
  if (!value) throw new Error(`not a decimal: ${text}`);
  return value;
};

describe('parseDecimal', () => {
  it('keeps the written scale', () => {
    expect(d('0.70')).toEqual({ coef: 70n, exp: -2 });
    expect(d('-1e-3')).toEqual({ coef: -1n, exp: -3 });
    expect(d('+.5')).toEqual({ coef: 5n, exp: -1 });
    expect(d('12')).toEqual({ coef: 12n, exp: 0 });
    expect(d('1.5E+2')).toEqual({ coef: 15n, exp: 1 });
  });

  it('rejects what is not a finite decimal', () => {
    for (const text of ['', '.', 'NaN', 'Infinity', '0x10', '1e', 'abc', '1e99999']) {
      expect(parseDecimal(text), text).toBeUndefined();
    }
  });
});

describe('decimalDelta', () => {
  it('0.75 → 0.70 is exactly -0.05', () => {
    const delta = decimalDelta('0.70', '0.75')!;
    expect(delta.text).toBe('-0.05');
    expect(delta.value).toBe(-0.05);
    expect(0.7 - 0.75).not.toBe(-0.05); // what the double arithmetic would have said
  });

  it('0.1 + 0.2 style cases come out exact', () => {
    expect(decimalDelta('0.3', '0.1')!.value).toBe(0.2);
    expect(decimalDelta('0.3', '0.1')!.text).toBe('0.2');
    expect(decimalDelta('1.1', '0.2')!.value).toBe(0.9);
    expect(decimalDelta('0.30000000000000004', '0.3')!.text).toBe('0.00000000000000004');
  });

  it('handles exponents and mixed scales', () => {
    expect(decimalDelta('1e-3', '1e-4')!.text).toBe('0.0009');
    expect(decimalDelta('2.5e2', '249.99')!.text).toBe('0.01');
    expect(decimalDelta('120', '118')!.text).toBe('2');
    expect(decimalDelta('0.70', '0.70')!.value).toBe(0);
  });

  it('is undefined for non-finite texts', () => {
    expect(decimalDelta('NaN', '0.5')).toBeUndefined();
  });
});

describe('compare and percentages', () => {
  it('compares exactly across scales', () => {
    expect(compare(d('0.80'), d('0.8'))).toBe(0);
    expect(compare(d('0.7999999999999999'), d('0.8'))).toBe(-1);
    expect(compare(d('1e3'), d('999.9'))).toBe(1);
  });

  it('percentChange is delta / |baseline| × 100, null for a zero baseline', () => {
    expect(percentChange(d('-0.05'), d('0.75'))).toBeCloseTo(-6.6667, 4);
    expect(percentChange(d('0.5'), d('-2'))).toBe(25);
    expect(percentChange(d('0.5'), d('0'))).toBeNull();
  });

  it('divides to a double', () => {
    expect(divideToNumber(d('1'), d('3'))).toBeCloseTo(1 / 3, 15);
    expect(divideToNumber(d('1'), d('0'))).toBe(Infinity);
  });

  it('reads doubles through their shortest text', () => {
    expect(decimalFromNumber(0.8)).toEqual({ coef: 8n, exp: -1 });
    expect(decimalFromNumber(Number.NaN)).toBeUndefined();
    expect(toPlainString(d('-5e-2'))).toBe('-0.05');
    expect(toPlainString(d('1.2e3'))).toBe('1200');
  });
});
