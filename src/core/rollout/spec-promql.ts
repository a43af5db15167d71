import { UsageError } from '../errors.js';

/**
 * PromQL templates with `{{version}}`, `{{stable}}` and `{{canary}}`. A value is a label value
 * from a spec or a CI variable: it is only ever put inside a PromQL string literal, escaped for
 * that literal, so it cannot end the string or add a matcher. The template is read token by
 * token (strings, comments, brackets) so a placeholder outside quotes, inside a raw `backtick`
 * string (which has no escapes), an unclosed string or unbalanced brackets are refused with the
 * fix, before Prometheus sees anything.
 */

const MAX_TEMPLATE_LENGTH = 10_000;
const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/y;
const NAMES = new Set(['version', 'stable', 'canary']);

export interface PromqlPiece {
  text?: string;
  name?: string;
  quote?: '"' | "'";
}

/** Splits the template into text and placeholders, each placeholder with its quote. */
export function parsePromqlTemplate(template: string, where = 'the PromQL query'): PromqlPiece[] {
  if (template.trim() === '') throw new UsageError(`${where} is empty`);
  if (template.length > MAX_TEMPLATE_LENGTH)
    throw new UsageError(`${where} is longer than ${MAX_TEMPLATE_LENGTH} characters`);
  const pieces: PromqlPiece[] = [];
  let text = '';
  let quote: '"' | "'" | '`' | undefined;
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < template.length;) {
    PLACEHOLDER.lastIndex = i;
    const match = PLACEHOLDER.exec(template);
    if (match) {
      const name = match[1]!;
      if (!NAMES.has(name))
        throw new UsageError(
          `${where} has an unknown placeholder {{${name}}}; the known ones are {{version}}, {{stable}} and {{canary}}`,
        );
      if (quote !== '"' && quote !== "'")
        throw new UsageError(
          `${where} uses {{${name}}} outside a quoted string${quote === '`' ? ' (a backtick string cannot escape it)' : ''}`,
          { hint: `write it as a label value in double quotes, e.g. version="{{${name}}}"` },
        );
      pieces.push({ text }, { name, quote });
      text = '';
      i += match[0].length;
      continue;
    }
    const ch = template[i]!;
    text += ch;
    i++;
    if (quote) {
      if (ch === '\\' && quote !== '`' && i < template.length) {
        text += template[i];
        i++;
      } else if (ch === quote) quote = undefined;
      else if (ch === '\n' && quote !== '`')
        throw new UsageError(`${where} has a string that runs past the end of its line`);
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '#') {
      // a comment to the end of the line: keep it, skip placeholders in it
      const end = template.indexOf('\n', i);
      const stop = end < 0 ? template.length : end;
      text += template.slice(i, stop);
      i = stop;
    } else if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in pairs) {
      if (stack.pop() !== pairs[ch])
        throw new UsageError(`${where} has an unbalanced "${ch}" at character ${i}`);
    }
  }
  if (quote) throw new UsageError(`${where} has a string that is never closed`);
  if (stack.length > 0) throw new UsageError(`${where} has an unclosed "${stack.at(-1)!}"`);
  pieces.push({ text });
  return pieces;
}
