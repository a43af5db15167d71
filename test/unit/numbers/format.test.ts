import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../../src/core/numbers/decimal.js';
import {
  formatDelta,
  formatMetricValue,
  formatNumberText,
  formatPercent,
} from '../../../src/core/numbers/format.js';

describe('formatNumberText', () => {
  it("keeps the author's digits", () => {
    expect(formatNumberText('0.70', 0.7)).toBe('0.70');
    expect(formatNumberText('1e-3', 0.001)).toBe('1e-3');
    expect(formatNumberText('+5', 5)).toBe('5');
    expect(formatNumberText('48000', 48000)).toBe('48000');
  });

  it('rounds long machine-written numbers instead of showing binary noise', () => {
    expect(formatNumberText('0.30000000000000004', 0.30000000000000004)).toBe('0.3');
    expect(formatNumberText('0.8333333333333334', 0.8333333333333334)).toBe('0.833333');
    expect(formatNumberText('1.234567890123e-9', 1.234567890123e-9)).toBe('1.23457e-9');
  });

  it('keeps every digit of an integer, even past 2^53 (a count, an id, a byte size)', () => {
    expect(formatNumberText('123456789012345678', Number('123456789012345678'))).toBe(
      '123456789012345678',
    );
    expect(formatNumberText('9007199254740993', Number('9007199254740993'))).toBe(
      '9007199254740993',
    );
  });

  it('shows NaN and the infinities', () => {
    expect(formatNumberText('NaN', Number.NaN)).toBe('NaN');
    expect(formatNumberText('.inf', Infinity)).toBe('∞');
    expect(formatNumberText('-Infinity', -Infinity)).toBe('-∞');
  });

  it('formats every value kind', () => {
    expect(formatMetricValue({ kind: 'text', value: 'resnet' })).toBe('resnet');
    expect(formatMetricValue({ kind: 'boolean', value: false })).toBe('false');
    expect(formatMetricValue({ kind: 'null' })).toBe('null');
    expect(formatMetricValue(undefined)).toBe('');
  });
});

describe('formatDelta', () => {
  it('signs exact decimals', () => {
    expect(formatDelta(parseDecimal('-0.05'))).toBe('-0.05');
    expect(formatDelta(parseDecimal('0.012'))).toBe('+0.012');
    expect(formatDelta(parseDecimal('0.000'))).toBe('0');
    expect(formatDelta(parseDecimal('1e-12'))).toBe('+1e-12');
    expect(formatDelta(parseDecimal('0.0333333333333334'))).toBe('+0.0333333');
  });

  it('rounds doubles and handles the absent', () => {
    expect(formatDelta(0.1 + 0.2)).toBe('+0.3');
    expect(formatDelta(-2.5e20)).toBe('-2.5e+20');
    expect(formatDelta(null)).toBe('');
    expect(formatDelta(Infinity)).toBe('+∞');
  });
});

describe('formatPercent', () => {
  it('shows about two decimals', () => {
    expect(formatPercent(-6.666666666666667, { signed: true })).toBe('-6.67\u00a0%');
    expect(formatPercent(3.3333333333333335, { signed: true })).toBe('+3.33\u00a0%');
    expect(formatPercent(6.666666666666667)).toBe('6.67\u00a0%');
    expect(formatPercent(50)).toBe('50\u00a0%');
    expect(formatPercent(0)).toBe('0\u00a0%');
  });

  it('fixed: always two decimals, so a column reads at one precision', () => {
    const fixed = { signed: true, fixed: true };
    expect(formatPercent(2, fixed)).toBe('+2.00\u00a0%');
    expect(formatPercent(-2.8, fixed)).toBe('-2.80\u00a0%');
    expect(formatPercent(0.29, fixed)).toBe('+0.29\u00a0%');
    expect(formatPercent(0.005, fixed)).toBe('+0.01\u00a0%');
    expect(formatPercent(0.0012345, fixed)).toBe('+0.0012\u00a0%');
    expect(formatPercent(0, fixed)).toBe('0.00\u00a0%');
  });

  it('keeps tiny and huge changes readable', () => {
    expect(formatPercent(0.0012345)).toBe('0.0012\u00a0%');
    expect(formatPercent(1.5e16, { signed: true })).toBe('+1.5e+16\u00a0%');
    expect(formatPercent(null)).toBe('');
  });
});
