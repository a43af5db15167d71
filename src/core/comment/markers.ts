import { UsageError } from '../errors.js';

/**
 * Keys end up inside HTML comments (`<!-- sluice:comment:<key> -->`). Only a small
 * alphabet survives, so no key can close the comment (`-->`, `--!>`), add a field
 * separator (`:`) or break the line the marker must sit on.
 */
export function sanitiseKey(key: string, input = 'comment-key'): string {
  const safe = key
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/-{2,}/g, '-');
  if (safe === '' || /^[_.-]+$/.test(safe)) {
    throw new UsageError(
      `the ${input} "${key}" is empty once reduced to letters, digits, '_', '.' and '-'`,
      {
        place: { key: input },
        hint: `give a ${input} such as "sluice" or "quality-gate"`,
      },
    );
  }
  return safe;
}

/** The hidden first line that identifies a sticky comment. */
export function commentMarker(key: string): string {
  return `<!-- sluice:comment:${sanitiseKey(key)} -->`;
}

/** Line endings and trailing blanks are normalised by forges, so they never count as a change. */
export function normaliseBody(body: string): string {
  return body
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();
}
