/**
 * Whether output to a stream may carry colours and bold (ANSI escapes): only on a terminal, so
 * a pipe, a file or a CI log gets plain text. NO_COLOR (set, not empty) turns them off;
 * FORCE_COLOR (set, not `0` or `false`) turns them on wherever the output goes, and wins.
 * scripts/lib/style.sh applies the same rule to the scripts' headings.
 */
export function useColor(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (env['NO_COLOR']) return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}
