import type { Env } from './types.js';

/** What a terminal report needs to know of standard output (a `tty.WriteStream` has both). */
export interface OutputStream {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Columns the terminal report may use: the terminal's own width when standard output is one,
 * else `COLUMNS` (set by the user for a pipe or a pager), else none: a file or a CI log
 * has no width, and cutting its table would lose text for nothing.
 */
export function terminalWidth(stdout: OutputStream, env: Env): number | undefined {
  if (stdout.isTTY === true && stdout.columns !== undefined && stdout.columns > 0)
    return stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}
