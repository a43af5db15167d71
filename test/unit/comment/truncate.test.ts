import { describe, expect, it } from 'vitest';
import { truncateMarkdown } from '../../../src/core/comment/truncate.js';

describe('truncateMarkdown', () => {
  it('returns short text as it is', () => {
    expect(truncateMarkdown('short', 100, 'cut')).toBe('short');
  });

  it('cuts at a line boundary and appends the notice', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const out = truncateMarkdown(text, 200, 'NOTICE');
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out).toMatch(/line \d+\n\nNOTICE$/);
  });

  it('closes a code fence and <details> left open by the cut', () => {
    const text = `<details><summary>s</summary>\n\n\`\`\`mermaid\n${'x\n'.repeat(500)}\`\`\`\n</details>`;
    const out = truncateMarkdown(text, 300, 'NOTICE');
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out).toMatch(/\n```\n<\/details>\n\nNOTICE$/);
  });

  it('never splits a surrogate pair', () => {
    const out = truncateMarkdown('😀'.repeat(100), 51, 'N');
    expect(out.length).toBeLessThanOrEqual(51);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('fits even when the limit is smaller than the notice', () => {
    expect(truncateMarkdown('x'.repeat(50), 4, 'a long notice')).toHaveLength(4);
  });
});
