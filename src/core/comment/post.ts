import type { Forge } from '../ports.js';
import { composeComment, readReportParts } from './compose.js';
import type { ReportPart } from './compose.js';
import { normaliseBody, sanitiseKey } from './markers.js';
import { outranks } from './run-rank.js';
import type { RunRank } from './run-rank.js';
import { upsertStickyComment } from './sticky.js';
import type { StickyOptions, StickyResult } from './sticky.js';

export interface StickyReportsResult extends StickyResult {
  /**
   * Report keys whose part in the comment is a later run's, so this run's was left out
   * (an earlier run that finished last must not replace the newer report).
   */
  superseded: string[];
}

/**
 * Writes `parts` into the sticky comment `commentKey`, keeping the parts other jobs
 * wrote there, within the forge's size limit. The write holds when every part of this
 * run is in the comment read back, exactly as this run wrote it, or was replaced by a
 * later run's (other jobs' parts may have changed meanwhile: they check their own).
 */
export async function postStickyReports(
  forge: Forge,
  commentKey: string,
  parts: readonly ReportPart[],
  options: { reportUrl?: string; rank?: RunRank } & Omit<StickyOptions, 'holds'> = {},
): Promise<StickyReportsResult> {
  const { reportUrl, rank, ...sticky } = options;
  const keys = parts.map((part) => sanitiseKey(part.key, 'report-key'));
  const result = await upsertStickyComment(
    forge,
    commentKey,
    ({ previous, maxLength }) => composeComment(parts, { maxLength, previous, reportUrl, rank }),
    { ...sticky, holds: (written, current) => ownPartsHold(keys, written, current, rank) },
  );
  return { ...result, superseded: supersededKeys(keys, result.comment.body, rank) };
}

/**
 * Whether each of `keys` has the same text in `current` as in `written`, or a later run's
 * part (by `rank`) stands there instead.
 */
function ownPartsHold(
  keys: readonly string[],
  written: string,
  current: string,
  rank?: RunRank,
): boolean {
  // Forges normalise line endings and trailing blanks: compare what survives that.
  const mine = readReportParts(normaliseBody(written));
  const now = readReportParts(normaliseBody(current));
  return keys.every((key) => {
    const there = now.get(key);
    if (outranks(there?.rank, rank)) return true;
    const text = mine.get(key)?.text;
    return text !== undefined && there?.text === text;
  });
}

function supersededKeys(keys: readonly string[], body: string, rank?: RunRank): string[] {
  const now = readReportParts(normaliseBody(body));
  return keys.filter((key) => outranks(now.get(key)?.rank, rank));
}
