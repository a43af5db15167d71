/* eslint-disable no-control-regex -- finding control characters is this file's job */
/**
 * Escaping for every surface a report reaches. Everything in a Report is plain text, often
 * user data (metric names, values, file names), and must show literally: no live HTML, no
 * Markdown syntax, no @mention, no issue/MR link, no broken table, no terminal escape.
 *
 * Each function is one pass over the raw text with a look at the next raw character, so an
 * entity we emit is never escaped a second time.
 */

/**
 * Zero-width space as an HTML entity, put right after a reference sigil (`@`, `#`, `!`, …).
 *
 * Why U+200B and why as `&#8203;`: GitHub and GitLab both find mentions and references in
 * the rendered HTML text (after entities are decoded), and every pattern needs a name or a
 * digit right after the sigil (`@user`, `#12`, `!12`, `~label`, `%milestone`, `$snippet`,
 * `&epic`, `GH-12`, `owner/repo#12`, `:emoji:`, `https://`). An invisible character there
 * breaks the match on both forges while the reader sees the same text. The entity keeps the
 * Markdown source plain ASCII, so nothing between us and the forge can normalise it away.
 * A zero-width *joiner* (U+200D) would instead glue onto a following emoji into a new glyph.
 */
const ZWSP = '&#8203;';

/** Characters after which a reference could start on GitHub or GitLab (see ZWSP). */
const SIGILS = new Set(['@', '#', '!', '%', '~', ':', '$', '&']);

/** What can follow a sigil in a reference, shortcode or URL; `5% )` and `a & b` stay as they are. */
const REFERENCE_START = /[\p{L}\p{N}_"'+\-/]/u;

/** Characters Markdown would read as syntax inside a line; a backslash makes them literal. */
const MARKDOWN_PUNCTUATION = new Set(['\\', '`', '*', '_', '[', ']', '~', '|']);

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * C0 controls except tab and line breaks, DEL, C1 controls (0x9B is a one-byte CSI on some
 * terminals) and the bidirectional overrides that can make text read differently from what
 * it is ("Trojan Source"). Line and paragraph separators count as line breaks.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/g;
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

/**
 * Removes control characters (see CONTROL) and replaces line breaks with `newline` and tabs
 * with a space. A metric name holding `\x1b[2J` can then never clear a screen.
 */
export function stripControlChars(text: string, newline = ' '): string {
  if (!ANY_CONTROL.test(text)) return text;
  return text.replace(CONTROL, '').replace(LINE_BREAK, newline).replace(/\t/g, ' ');
}

/**
 * Code as written, for a fenced block: line breaks normalised, control characters other
 * than tab and newline dropped (a fence shows them raw, and some reach the terminal).
 */
export function cleanCode(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '');
}

/** `& < > " '` as entities: for text placed in HTML, where Markdown is not parsed. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * `code`: Markdown text inside `<code>`, where neither forge looks for mentions, issue
 * references or emoji shortcodes, so a `:` needs no break unless a URL could start
 * (`https://`, which Markdown itself autolinks): a digest or `file:line` stays copyable.
 */
type Context = 'markdown' | 'html' | 'code';

/** Every character escapeText may change; all others pass through untouched. */
const SPECIAL = /[&<>"'$\\`*_[\]~|@#!%:.-]/g;

/**
 * The one pass. `markdown` also backslash-escapes inline syntax and the start of a block;
 * `html` (text inside a raw HTML block such as `<summary>`, where a backslash would show)
 * does not. Both break references and math.
 */
function escapeText(raw: string, context: Context): string {
  return raw.replace(SPECIAL, (c: string, i: number) => {
    const next = raw[i + 1];
    if (c === '.') {
      // `www.example.com` would autolink
      const www =
        /www$/i.test(raw.slice(Math.max(0, i - 3), i)) && !/[a-z0-9]/i.test(raw[i - 4] ?? '');
      return www ? ZWSP + '.' : '.';
    }
    if (c === '-') {
      // `GH-123` links an issue on GitHub
      const gh =
        /(^|[^a-z0-9])gh$/i.test(raw.slice(Math.max(0, i - 3), i)) && /\d/.test(next ?? '');
      return gh ? '-' + ZWSP : '-';
    }
    let out: string;
    if (c === '$')
      out = '&#36;'; // `$…$` is inline math on both forges; a backslash does not stop GitHub's
    else if (c === "'" && context !== 'html') out = c;
    else if (c in HTML_ENTITIES) out = HTML_ENTITIES[c] as string;
    else if (context !== 'html' && MARKDOWN_PUNCTUATION.has(c)) out = '\\' + c;
    else out = c;
    const breaks =
      context === 'code' && c === ':'
        ? next === '/'
        : SIGILS.has(c) && next !== undefined && REFERENCE_START.test(next);
    if (breaks) out += ZWSP;
    return out;
  });
}

/**
 * A line-start character that would open a heading, list, quote or setext underline gets a
 * backslash; an ordered-list number `1.` gets one before its dot. Harmless mid-line, so every
 * escaped Markdown text carries it.
 */
function escapeBlockStart(escaped: string): string {
  if (/^[#+\-=]/.test(escaped)) return '\\' + escaped;
  return escaped.replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}

/**
 * Plain text for a Markdown paragraph, list item, heading or alert: one line, shown
 * literally on GitHub and GitLab. Surrounding whitespace is trimmed; `escapeMarkdownInline`
 * keeps it, for a piece that sits between other pieces of one paragraph.
 */
export function escapeMarkdownText(text: string): string {
  return escapeMarkdownInline(text.trim());
}

export function escapeMarkdownInline(text: string): string {
  return escapeBlockStart(escapeText(stripControlChars(text, ' '), 'markdown'));
}

/**
 * The start of a paragraph assembled from escaped pieces: leading whitespace would turn
 * into an indented code block, and a piece that began with a space was not checked for
 * block syntax.
 */
export function startBlock(escaped: string): string {
  return escapeBlockStart(escaped.trimStart());
}

/**
 * Plain text for a GFM table cell: like escapeMarkdownText, `|` cannot split the row and a
 * line break becomes `<br>` (a raw newline would end the table). A cell never starts a
 * block, so `-0.05` and `1.5` need no backslash.
 */
export function escapeTableCell(text: string, code = false): string {
  const context = code ? 'code' : 'markdown';
  if (!ANY_CONTROL.test(text)) return escapeText(text.trim(), context);
  const lines = stripControlChars(text, '\n').split('\n');
  return lines.map((line) => escapeText(line.trim(), context)).join('<br>');
}

/**
 * Plain text inside raw HTML that GitHub and GitLab do not parse as Markdown (a `<summary>`
 * on the line after `<details>`): HTML-escaped, references and math broken, one line
 * (a blank line would end the HTML block).
 */
export function escapeHtmlText(text: string): string {
  return escapeText(stripControlChars(text, ' ').trim(), 'html');
}

/** Characters XML 1.0 cannot hold at all, even as references. */
const XML_INVALID =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text for an XML element or attribute. Invalid characters are dropped; in attributes, line
 * breaks and tabs are written as references because parsers fold raw ones into spaces.
 */
export function escapeXml(text: string, attribute = false): string {
  const clean = text.replace(XML_INVALID, '');
  let out = clean.replace(/[&<>"']/g, (c) => (c === "'" ? '&apos;' : (HTML_ENTITIES[c] ?? c)));
  if (attribute) out = out.replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
  else out = out.replace(/\r/g, '&#13;');
  return out;
}
