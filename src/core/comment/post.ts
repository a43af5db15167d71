import type { Forge } from '../ports.js';
import { composeComment, parseReportParts } from './compose.js';
import type { ReportPart } from './compose.js';
import { normaliseBody, sanitiseKey } from './markers.js';
import { upsertStickyComment } from './sticky.js';
import type { StickyOptions, StickyResult } from './sticky.js';

/**
 * Writes `parts` into the sticky comment `commentKey`, keeping the parts other jobs
 * wrote there, within the forge's size limit. The write holds when every part of this
 * run is in the comment read back, exactly as this run wrote it (other jobs' parts may
 * have changed meanwhile: they check their own).
 */
export function postStickyReports(
  forge: Forge,
  commentKey: string,
  parts: readonly ReportPart[],
  options: { reportUrl?: string } & Omit<StickyOptions, 'holds'> = {},
): Promise<StickyResult> {
  const { reportUrl, ...sticky } = options;
  const keys = parts.map((part) => sanitiseKey(part.key, 'report-key'));
  return upsertStickyComment(
    forge,
    commentKey,
    ({ previous, maxLength }) => composeComment(parts, { maxLength, previous, reportUrl }),
    { ...sticky, holds: (written, current) => ownPartsHold(keys, written, current) },
  );
}

/** Whether each of `keys` has the same text in `current` as in `written`. */
export function ownPartsHold(keys: readonly string[], written: string, current: string): boolean {
  // Forges normalise line endings and trailing blanks: compare what survives that.
  const mine = parseReportParts(normaliseBody(written));
  const now = parseReportParts(normaliseBody(current));
  return keys.every((key) => {
    const text = mine.get(key);
    return text !== undefined && now.get(key) === text;
  });
}
