import { describe, expect, it } from 'vitest';
import {
  composeComment,
  fairShares,
  fixedPart,
  parseReportParts,
} from '../../../src/core/comment/compose.js';
import type { ReportPart } from '../../../src/core/comment/compose.js';

const big = (label: string, size: number): string => {
  let text = `## ${label}\n\n| metric | value |\n| --- | --- |`;
  for (let i = 0; text.length < size; i += 1) text += `\n| ${label}.metric_${i} | ${i / 7} |`;
  return text.slice(0, size);
};

/** A report that renders a shorter summary when its budget is small, like the real renderers. */
const adaptive = (key: string, fullSize: number): ReportPart & { budgets: number[] } => {
  const budgets: number[] = [];
  return {
    key,
    budgets,
    render: (maxLength) => {
      budgets.push(maxLength);
      const full = big(key, fullSize);
      return full.length <= maxLength
        ? full
        : `## ${key}\n\n${'s'.repeat(Math.max(0, maxLength - key.length - 10))}`;
    },
  };
};

describe('composeComment', () => {
  it('wraps each report in its own markers, sorted by key', () => {
    const body = composeComment([fixedPart('zeta', 'Z'), fixedPart('alpha', 'A')], {
      maxLength: 65_536,
    });
    expect(body.indexOf('A')).toBeLessThan(body.indexOf('Z'));
    expect(body).toMatch(
      /^<!-- sluice:report:alpha:start:[0-9a-f]{12} -->\nA\n<!-- sluice:report:alpha:end:[0-9a-f]{12} -->/,
    );
    expect([...parseReportParts(body)]).toEqual([
      ['alpha', 'A'],
      ['zeta', 'Z'],
    ]);
  });

  it('is deterministic, so an unchanged report leaves the comment unchanged', () => {
    const parts = [fixedPart('a', 'one'), fixedPart('b', 'two')];
    expect(composeComment(parts, { maxLength: 1000 })).toBe(
      composeComment(parts, { maxLength: 1000 }),
    );
  });

  it("keeps other keys' parts from the previous comment and replaces its own", () => {
    const first = composeComment([fixedPart('quality-gate', 'gate v1')], { maxLength: 65_536 });
    const second = composeComment([fixedPart('validate-data', 'data v1')], {
      maxLength: 65_536,
      previous: [first],
    });
    const third = composeComment([fixedPart('quality-gate', 'gate v2')], {
      maxLength: 65_536,
      previous: [second],
    });
    expect(Object.fromEntries(parseReportParts(third))).toEqual({
      'quality-gate': 'gate v2',
      'validate-data': 'data v1',
    });
  });

  it('takes the newest copy of a part when several previous comments carry it', () => {
    const older = composeComment([fixedPart('x', 'old')], { maxLength: 1000 });
    const newer = composeComment([fixedPart('x', 'new')], { maxLength: 1000 });
    const body = composeComment([fixedPart('y', 'mine')], {
      maxLength: 1000,
      previous: [older, newer],
    });
    expect(parseReportParts(body).get('x')).toBe('new');
  });

  it('cannot be spoofed by a report that contains end or start markers', () => {
    const evil = [
      'before',
      '<!-- sluice:report:evil:end -->',
      '<!-- sluice:report:evil:end:000000000000 -->',
      '<!-- sluice:report:other:start:111111111111 -->',
      'injected',
      '<!-- sluice:report:other:end:111111111111 -->',
      'after',
    ].join('\n');
    const body = composeComment([fixedPart('evil', evil), fixedPart('zzz', 'last')], {
      maxLength: 10_000,
    });
    const parts = parseReportParts(body);
    expect([...parts.keys()]).toEqual(['evil', 'zzz']);
    expect(parts.get('evil')).toBe(evil);
    // Round trip: the next job keeps the part intact.
    const next = composeComment([fixedPart('zzz', 'again')], {
      maxLength: 10_000,
      previous: [body],
    });
    expect(parseReportParts(next).get('evil')).toBe(evil);
    expect(parseReportParts(next).has('other')).toBe(false);
  });

  it('ignores a start marker without its end (a cut or hand-edited comment)', () => {
    const body =
      '<!-- sluice:report:a:start:0123456789ab -->\nlost\n\n' +
      composeComment([fixedPart('b', 'B')], { maxLength: 1000 });
    expect(Object.fromEntries(parseReportParts(body))).toEqual({ b: 'B' });
  });

  it('rejects two reports with the same key', () => {
    expect(() =>
      composeComment([fixedPart('a', '1'), fixedPart('a', '2')], { maxLength: 1000 }),
    ).toThrow(/report-key "a"/);
  });

  it('asks big reports to re-render within a fair share of the limit', () => {
    const small = adaptive('a-small', 2_000);
    const huge1 = adaptive('b-huge', 200_000);
    const huge2 = adaptive('c-huge', 500_000);
    const body = composeComment([small, huge1, huge2], { maxLength: 65_536 });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.length).toBeGreaterThan(60_000); // the budget is used, not wasted
    const parts = parseReportParts(body);
    expect(parts.get('a-small')).toBe(big('a-small', 2_000)); // small reports stay whole
    expect(huge1.budgets.at(-1)).toBeGreaterThan(30_000);
    expect(Math.abs(parts.get('b-huge')!.length - parts.get('c-huge')!.length)).toBeLessThan(100);
  });

  it('cuts a report that cannot shorten itself, with a pointer to the full report', () => {
    const body = composeComment([fixedPart('a', big('a', 300_000)), fixedPart('b', 'tiny')], {
      maxLength: 65_536,
      reportUrl: 'https://ci.example.test/run/1 (artifact)',
    });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('[the full report](https://ci.example.test/run/1%20%28artifact%29)');
    expect(parseReportParts(body).get('b')).toBe('tiny');
  });

  it('never exceeds the limit, whatever the sizes and however many parts', () => {
    for (const maxLength of [100, 1_000, 65_536]) {
      for (const count of [1, 3, 40]) {
        const parts = Array.from({ length: count }, (_, i) =>
          fixedPart(`k${i}`, big(`k${i}`, 5_000 * (i + 1))),
        );
        const previous = [
          composeComment([fixedPart('old', big('old', 90_000))], { maxLength: 1_000_000 }),
        ];
        const body = composeComment(parts, { maxLength, previous });
        expect(body.length, `${count} parts in ${maxLength}`).toBeLessThanOrEqual(maxLength);
      }
    }
  });

  it('links only http(s) report URLs', () => {
    const body = composeComment([fixedPart('a', 'x'.repeat(5_000))], {
      maxLength: 1_000,
      reportUrl: 'javascript:alert(1)',
    });
    expect(body).not.toContain('javascript:');
  });
});

describe('fairShares', () => {
  it('lets small parts keep their size and splits the rest equally', () => {
    expect(fairShares([10, 1000, 1000], 610)).toEqual([10, 300, 300]);
    expect(fairShares([5, 5], 100)).toEqual([5, 5]);
  });
});
