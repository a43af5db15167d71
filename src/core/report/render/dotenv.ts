import { stripControlChars } from '../escape.js';
import type { Report } from '../model.js';

/**
 * GitLab's dotenv report (`artifacts:reports:dotenv`) reads each line as `KEY=value`, cut at
 * the first `=`, both sides trimmed, quotes kept as written; it has no multi-line values, no
 * escapes and no blank or comment lines. Its default limits on a self-managed instance are
 * a file under 5 KiB and 20 variables (GitLab.com allows more); over either, the upload is
 * refused. So the file is built to fit the defaults.
 */
export interface DotenvOptions {
  /** Largest file in bytes, newline included (default 5,119: GitLab needs it under 5 KiB). */
  maxBytes?: number;
  /** Most variables (default 20, GitLab's default), the verdict and the omitted list included. */
  maxVariables?: number;
}

/** `failed-metrics` → `FAILED_METRICS`. */
function upperSnake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * `quality-gate`, `failed-metrics` → `SLUICE_QUALITY_GATE_FAILED_METRICS`. Names carry the
 * command: a later GitLab job that takes the dotenv artifacts of several sluice jobs
 * (quality-gate and validate-data both report `passed`) gets every value, not the last one.
 */
export function dotenvName(command: string, key: string): string {
  return ['SLUICE', upperSnake(command), upperSnake(key)].filter(Boolean).join('_');
}

/** One line per value: line breaks, tabs and control characters become spaces, ends trimmed. */
export function dotenvValue(value: string): string {
  return stripControlChars(value, ' ').trim();
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * `SLUICE_<COMMAND>_VERDICT` first, then every output as `SLUICE_<COMMAND>_<OUTPUT>=value`
 * (upper snake case), in the report's order. A value that would push the file past maxBytes or
 * maxVariables is left out as a whole (a cut list would read as a shorter list), and
 * `SLUICE_<COMMAND>_OMITTED` names what was left out, so a later job can tell "empty" from
 * "did not fit".
 */
export function renderDotenv(report: Report, options: DotenvOptions = {}): string {
  const maxBytes = options.maxBytes ?? 5 * 1024 - 1;
  const maxVariables = options.maxVariables ?? 20;
  const omittedName = dotenvName(report.command, 'omitted');
  const entries = new Map<string, string>([
    [dotenvName(report.command, 'verdict'), report.verdict],
  ]);
  for (const [key, value] of Object.entries(report.outputs)) {
    const name = dotenvName(report.command, key);
    if (!entries.has(name) && name !== omittedName) entries.set(name, dotenvValue(value));
  }

  const lineOf = (name: string, value: string): string => `${name}=${value}\n`;
  const all = [...entries].map(([name, value]) => lineOf(name, value)).join('');
  if (bytes(all) <= maxBytes && entries.size <= maxVariables) return all;

  const omittedLine = (names: string[]): string =>
    names.length === 0 ? '' : lineOf(omittedName, names.join(','));
  const names = [...entries.keys()];
  const kept: string[] = [];
  const omitted: string[] = [];
  let used = 0;
  names.forEach((name, index) => {
    const line = lineOf(name, entries.get(name) ?? '');
    // Room must stay for the omitted list naming what is already out and every later name.
    const rest = names.slice(index + 1);
    const reserve = bytes(omittedLine([...omitted, ...rest]));
    const reserveCount = omitted.length + rest.length > 0 ? 1 : 0;
    const fits =
      used + bytes(line) + reserve <= maxBytes && kept.length + 1 + reserveCount <= maxVariables;
    if (fits || index === 0) {
      kept.push(line); // the verdict is always written
      used += bytes(line);
    } else omitted.push(name);
  });
  return kept.join('') + fitOmitted(omittedName, omitted, maxBytes - used, lineOf);
}

/** The omitted list naming all it can; only under a limit too small for the names does it end in `…`. */
function fitOmitted(
  omittedName: string,
  names: string[],
  room: number,
  lineOf: (name: string, value: string) => string,
): string {
  if (names.length === 0) return '';
  for (let count = names.length; count > 0; count--) {
    const value = names.slice(0, count).join(',') + (count < names.length ? ',…' : '');
    const line = lineOf(omittedName, value);
    if (bytes(line) <= room) return line;
  }
  return '';
}
