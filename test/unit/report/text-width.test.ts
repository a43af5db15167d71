import { describe, expect, it } from 'vitest';
import { displayWidth, truncateToWidth } from '../../../src/core/report/text-width.js';
import { STATUS_ICON } from '../../../src/core/report/model.js';

describe('displayWidth', () => {
  it('counts ASCII one column per character', () => {
    expect(displayWidth('accuracy 0.91')).toBe(13);
  });

  it('counts every status icon as two columns', () => {
    for (const icon of Object.values(STATUS_ICON)) expect(displayWidth(icon)).toBe(2);
  });

  it('counts wide CJK characters as two and combining marks as none', () => {
    expect(displayWidth('精度')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('a\u200bb')).toBe(2);
  });

  it('counts a flag and a ZWJ family as one wide glyph', () => {
    expect(displayWidth('🇩🇪')).toBe(2);
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
  });
});

describe('truncateToWidth', () => {
  it('keeps text that fits and cuts the rest with an ellipsis', () => {
    expect(truncateToWidth('short', 10)).toBe('short');
    expect(truncateToWidth('abcdefghij', 5)).toBe('abcd…');
  });

  it('never splits a wide glyph', () => {
    const cut = truncateToWidth('✅✅✅', 4);
    expect(cut).toBe('✅…');
    expect(displayWidth(cut)).toBeLessThanOrEqual(4);
  });
});
