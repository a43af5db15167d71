import { UsageError } from '../../core/errors.js';
import { parsePromqlTemplate } from '../../core/rollout/spec-promql.js';

/**
 * PromQL templates filled with escaped version values; the template itself is parsed (and
 * checked when the spec is read) by core/rollout/spec-promql.ts.
 */

/** `value` escaped for a PromQL (Go-style) string literal in `quote`. */
export function escapeLabelValue(value: string, quote: '"' | "'"): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0))
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** The template with its placeholders filled; a placeholder without a value is a UsageError. */
export function renderTemplate(
  template: string,
  values: Partial<Record<'version' | 'stable' | 'canary', string>>,
  where?: string,
): string {
  let out = '';
  for (const piece of parsePromqlTemplate(template, where)) {
    if (piece.text !== undefined) out += piece.text;
    else {
      const value = values[piece.name as 'version'];
      if (value === undefined)
        throw new UsageError(
          `${where ?? 'the PromQL query'} uses {{${piece.name!}}}, but the provider was not told which version is ${piece.name!}`,
        );
      out += escapeLabelValue(value, piece.quote!);
    }
  }
  return out;
}
