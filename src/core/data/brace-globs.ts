import { UsageError } from '../errors.js';

/** More alternatives than this is a typo or a runaway pattern, not a list of files. */
export const MAX_BRACE_EXPANSIONS = 1000;

/** The first `{…}` holding a comma at its own depth: [open, close, comma positions]. */
function firstGroup(
  pattern: string,
): { open: number; close: number; commas: number[] } | undefined {
  for (let open = 0; open < pattern.length; open++) {
    if (pattern[open] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < pattern.length; i++) {
      const char = pattern[i];
      if (char === '{') depth++;
      else if (char === '}') {
        depth--;
        if (depth === 0) {
          if (commas.length > 0) return { open, close: i, commas };
          break;
        }
      } else if (char === ',' && depth === 1) commas.push(i);
    }
  }
  return undefined;
}

/**
 * Shell-style brace alternatives (`multi/{a,b}.csv` → `multi/a.csv`, `multi/b.csv`), nested
 * too: DuckDB's globs know `*`, `?` and `[…]` but not braces. Braces without a comma, or
 * unclosed, stay as written.
 */
export function expandBraces(pattern: string): string[] {
  const done: string[] = [];
  const pending = [pattern];
  while (pending.length > 0) {
    const next = pending.shift() as string;
    const group = firstGroup(next);
    if (group === undefined) {
      done.push(next);
    } else {
      const bounds = [group.open, ...group.commas, group.close];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const choice = next.slice((bounds[i] as number) + 1, bounds[i + 1]);
        pending.push(next.slice(0, group.open) + choice + next.slice(group.close + 1));
      }
    }
    if (done.length + pending.length > MAX_BRACE_EXPANSIONS)
      throw new UsageError(`\`${pattern}\` expands to more than ${MAX_BRACE_EXPANSIONS} paths`, {
        hint: 'use a glob (`*`, `?`, `[…]`) or a folder instead of so many `{a,b}` alternatives',
      });
  }
  return [...new Set(done)];
}
