import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeHtmlText,
  escapeMarkdownText,
  escapeTableCell,
  escapeXml,
  stripControlChars,
} from '../../../src/core/report/escape.js';
import { inspectMarkdown } from './markdown-check.js';

const ZWSP = '\u200b';

/** What a forge's reader sees once the Markdown is rendered. */
function shown(markdown: string): string {
  return inspectMarkdown(markdown).text.trim();
}

describe('escapeHtml', () => {
  it('turns the five HTML-significant characters into entities', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('leaves other text alone', () => {
    expect(escapeHtml('accuracy 0.91 ✅')).toBe('accuracy 0.91 ✅');
  });
});

describe('escapeMarkdownText', () => {
  it.each([
    ['*bold* _em_ ~~strike~~', '*bold* _em_ ~~strike~~'],
    ['[link](https://x.example)', '[link](https://x.example)'],
    ['`code`', '`code`'],
    ['a\\b', 'a\\b'],
    ['<script>alert(1)</script>', '<script>alert(1)</script>'],
    ['# heading', '# heading'],
    ['- item', '- item'],
    ['+ item', '+ item'],
    ['1. item', '1. item'],
    ['2) item', '2) item'],
    ['> quote', '> quote'],
    ['---', '---'],
    ['&amp;', '&amp;'],
  ])('shows %j literally (zero-width spaces aside)', (input, visible) => {
    expect(shown(escapeMarkdownText(input)).replaceAll(ZWSP, '')).toBe(visible);
  });

  it('produces no emphasis, link, code or heading when rendered', () => {
    const html = inspectMarkdown(
      escapeMarkdownText('# *a* _b_ `c` [d](https://e.example) <b>f</b> ~~g~~'),
    ).html;
    expect(html).not.toMatch(/<(em|strong|code|a|h1|b|s|del)[ >]/);
  });

  it.each([
    ['@user', `@${ZWSP}user`],
    ['@org/team', `@${ZWSP}org/team`],
    ['#123', `#${ZWSP}123`],
    ['!123', `!${ZWSP}123`],
    ['owner/repo#1', `owner/repo#${ZWSP}1`],
    ['GH-123', `GH-${ZWSP}123`],
    ['gh-7', `gh-${ZWSP}7`],
    ['~label', `~${ZWSP}label`],
    ['~"a label"', `~${ZWSP}"a label"`],
    ['%milestone', `%${ZWSP}milestone`],
    ['$123', `$${ZWSP}123`],
    ['&123', `&${ZWSP}123`],
    [':smile:', `:${ZWSP}smile:`],
    ['https://evil.example', `https:${ZWSP}//evil.example`],
    ['www.evil.example', `www${ZWSP}.evil.example`],
    ['mail@evil.example', `mail@${ZWSP}evil.example`],
  ])('breaks the reference in %j with a zero-width space', (input, visible) => {
    expect(shown(escapeMarkdownText(input))).toBe(visible);
  });

  it('uses the entity form of the zero-width space, so the source stays ASCII', () => {
    expect(escapeMarkdownText('@user')).toBe('@&#8203;user');
  });

  it('leaves sigils that cannot start a reference alone', () => {
    expect(escapeMarkdownText('5% (of 100) R & D!')).toBe('5% (of 100) R &amp; D!');
    expect(escapeMarkdownText('C# and F#')).toBe('C# and F#');
    expect(escapeMarkdownText('eval.loss')).toBe('eval.loss');
    expect(escapeMarkdownText('ugh-1')).toBe('ugh-1');
    expect(escapeMarkdownText('awww.x')).toBe('awww.x');
  });

  it('writes $ as an entity so two of them never open inline math', () => {
    expect(escapeMarkdownText('cost $5 and $6')).toBe(
      'cost &#36;5 and &#36;6'.replace(/&#36;(\d)/g, '&#36;&#8203;$1'),
    );
  });

  it('turns line breaks into spaces and drops control characters', () => {
    expect(escapeMarkdownText('a\nb\r\nc\u2028d')).toBe('a b c d');
    expect(escapeMarkdownText('x\u001b[2Jy\u0007\u202e')).toBe('x\\[2Jy');
  });

  it('does not escape twice: an entity it writes is never touched again', () => {
    expect(escapeMarkdownText('&#8203;')).toBe('&amp;#&#8203;8203;');
    expect(shown(escapeMarkdownText('&#8203;'))).toBe(`&#${ZWSP}8203;`);
  });
});

describe('escapeTableCell', () => {
  it('keeps a digest and a file:line copyable in a code cell, where forges link nothing', () => {
    expect(escapeTableCell('sha256:5fdf0a', true)).toBe('sha256:5fdf0a');
    expect(escapeTableCell('schema.yml:7', true)).toBe('schema.yml:7');
    // Markdown itself still autolinks a URL, and still reads its punctuation.
    expect(escapeTableCell('https://x.io', true)).toBe('https:&#8203;//x.io');
    expect(escapeTableCell('a|b_c', true)).toBe('a\\|b\\_c');
    // Outside code, `:` before a name still gets its break (emoji shortcodes, references).
    expect(escapeTableCell('sha256:5fdf0a')).toBe('sha256:&#8203;5fdf0a');
  });

  it('escapes the pipe so it cannot split a row', () => {
    expect(escapeTableCell('a|b')).toBe('a\\|b');
  });

  it('turns a line break into <br> and keeps one line', () => {
    expect(escapeTableCell('line1\nline2')).toBe('line1<br>line2');
    expect(escapeTableCell('a\r\n\r\nb')).toBe('a<br><br>b');
  });

  it('needs no block-start backslash inside a cell', () => {
    expect(escapeTableCell('-0.05')).toBe('-0.05');
    expect(escapeTableCell('1.5')).toBe('1.5');
  });

  it('keeps a one-column table one column wide for every payload', () => {
    const payloads = ['a|b', '\\|', '|||', '`|`', '<code>|</code>', 'x\ny|z'];
    const table = [
      '| name |',
      '| --- |',
      ...payloads.map((payload) => `| ${escapeTableCell(payload)} |`),
    ].join('\n');
    const [shape] = inspectMarkdown(table).tables;
    expect(shape?.headerCells).toBe(1);
    expect(shape?.rowCells).toEqual(payloads.map(() => 1));
  });
});

describe('escapeHtmlText', () => {
  it('escapes HTML and references but writes no backslash (raw HTML shows backslashes)', () => {
    expect(escapeHtmlText('<b>*x*</b> @me #1')).toBe('&lt;b&gt;*x*&lt;/b&gt; @&#8203;me #&#8203;1');
  });

  it('keeps the summary on one line, so a blank line cannot end the HTML block', () => {
    expect(escapeHtmlText('a\n\nb')).toBe('a  b');
  });
});

describe('stripControlChars', () => {
  it('removes escape sequences, C1 controls and bidi overrides, keeping printable text', () => {
    expect(stripControlChars('\u001b[31mred\u001b[0m\u009b2J\u202eabc')).toBe('[31mred[0m2Jabc');
  });

  it('replaces line breaks with the given text and tabs with a space', () => {
    expect(stripControlChars('a\nb\tc', ' / ')).toBe('a / b c');
  });
});

describe('escapeXml', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`<a b="c">'&'</a>`)).toBe(
      '&lt;a b=&quot;c&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    );
  });

  it('drops characters XML 1.0 cannot hold, including lone surrogates', () => {
    expect(escapeXml('a\u0000b\u001bc\uFFFEd\uD800e😀')).toBe('abcde😀');
  });

  it('keeps line breaks in attributes as character references', () => {
    expect(escapeXml('a\nb\tc', true)).toBe('a&#10;b&#9;c');
    expect(escapeXml('a\nb')).toBe('a\nb');
  });
});
