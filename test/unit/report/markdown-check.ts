import MarkdownIt from 'markdown-it';

/**
 * Reads rendered Markdown back with a real CommonMark + GFM-tables parser (raw HTML on, as
 * GitHub and GitLab allow, and URL autolinking on) and reports its structure, so tests check
 * what a forge would show rather than the text we happened to write.
 */
const parser = new MarkdownIt({ html: true, linkify: true });

export interface TableShape {
  headerCells: number;
  /** Cells in each body row. */
  rowCells: number[];
}

export interface MarkdownShape {
  html: string;
  /** The visible text of the rendered page (tags dropped, entities decoded by the parser). */
  text: string;
  tables: TableShape[];
  /** Fenced code blocks by info string. */
  fences: { info: string; content: string }[];
  /** `<details>` opened minus closed, outside code. */
  detailsBalance: number;
  /** A fence was still open at the end of the document. */
  unclosedFence: boolean;
}

/** Decodes the entities a rendered page may hold, as a browser would. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

export function inspectMarkdown(markdown: string): MarkdownShape {
  const tokens = parser.parse(markdown, {});
  const tables: TableShape[] = [];
  const fences: { info: string; content: string }[] = [];
  let current: TableShape | undefined;
  let inHead = false;
  let cells = 0;
  for (const token of tokens) {
    if (token.type === 'table_open') current = { headerCells: 0, rowCells: [] };
    else if (token.type === 'thead_open') inHead = true;
    else if (token.type === 'thead_close') inHead = false;
    else if (token.type === 'tr_open') cells = 0;
    else if (token.type === 'th_open' || token.type === 'td_open') cells++;
    else if (token.type === 'tr_close' && current !== undefined) {
      if (inHead) current.headerCells = cells;
      else current.rowCells.push(cells);
    } else if (token.type === 'table_close' && current !== undefined) {
      tables.push(current);
      current = undefined;
    } else if (token.type === 'fence') fences.push({ info: token.info, content: token.content });
  }

  let detailsBalance = 0;
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) fence = marker;
    else if (
      fence !== undefined &&
      marker !== undefined &&
      marker.length >= fence.length &&
      line.trim() === marker
    )
      fence = undefined;
    else if (fence === undefined) {
      detailsBalance += (line.match(/<details>/g) ?? []).length;
      detailsBalance -= (line.match(/<\/details>/g) ?? []).length;
    }
  }

  const html = parser.render(markdown);
  const text = decodeEntities(html.replace(/<[^>]*>/g, ''));
  return { html, text, tables, fences, detailsBalance, unclosedFence: fence !== undefined };
}

/** Live HTML a payload could have smuggled in: any tag we never write ourselves. */
export function liveHtmlTags(html: string): string[] {
  const allowed = new Set([
    'p',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'code',
    'pre',
    'strong',
    'details',
    'summary',
    'ul',
    'li',
    'blockquote',
    'br',
    'a',
  ]);
  const tags = Array.from(html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g), (match) =>
    (match[1] as string).toLowerCase(),
  );
  return tags.filter((tag) => !allowed.has(tag));
}
