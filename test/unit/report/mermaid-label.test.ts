import { describe, expect, it } from 'vitest';
import { mermaidLabel, mermaidXyChart } from '../../../src/core/report/render/mermaid.js';

describe('mermaidLabel', () => {
  it('neutralises %% so a label can never open a Mermaid comment or directive', () => {
    expect(mermaidLabel('a%%b')).toBe('"a％％b"');
    expect(mermaidLabel('%%{init: {"theme": "dark"}}%%')).toBe(
      `"％％{init: {'theme': 'dark'}}％％"`,
    );
    expect(mermaidLabel('50%')).toBe('"50％"');
  });

  it('shows an empty or blank label as a visible placeholder (`""` stops the parser)', () => {
    expect(mermaidLabel('')).toBe('"(empty)"');
    expect(mermaidLabel('  \n ')).toBe('"(empty)"');
  });

  it('leaves no % and no empty string anywhere in a chart built from such labels', () => {
    const chart = mermaidXyChart({
      title: '100% %%{x}',
      kind: 'bar',
      xLabels: ['%%', '', 'ok'],
      series: [{ name: 's', values: [1, 2, 3] }],
    });
    expect(chart?.source).not.toContain('%');
    expect(chart?.source).not.toContain('""');
    expect(chart?.source).toContain('x-axis ["％％", "(empty)", "ok"]');
  });

  it('gives a title more room than an axis label', () => {
    const title = 'Chi-square: total variation distance; drift at p under 0.05 and distance ≥ 0.05';
    expect(
      mermaidXyChart({ title, kind: 'bar', xLabels: ['a'], series: [{ name: 's', values: [1] }] })
        ?.source,
    ).toContain(`title "${title}"`);
  });
});

describe('a bar chart with a threshold', () => {
  it('runs its y-axis from 0 past the threshold and draws the threshold as a line', () => {
    const chart = mermaidXyChart({
      title: 'Jensen–Shannon',
      kind: 'bar',
      xLabels: ['country', 'segment'],
      yLabel: 'distance',
      series: [{ name: 'distance', values: [0.05, 0.01] }],
      threshold: 0.1,
    });
    expect(chart?.source.split('\n').slice(3)).toEqual([
      '    y-axis "distance" 0 --> 0.11',
      '    bar [0.05, 0.01]',
      '    line [0.1, 0.1]',
    ]);
  });
});
