import type { Forge } from '../ports.js';
import { composeComment } from './compose.js';
import type { ReportPart } from './compose.js';
import { upsertStickyComment } from './sticky.js';
import type { StickyResult } from './sticky.js';

/**
 * Writes `parts` into the sticky comment `commentKey`, keeping the parts other jobs
 * wrote there, within the forge's size limit.
 */
export function postStickyReports(
  forge: Forge,
  commentKey: string,
  parts: readonly ReportPart[],
  options: { reportUrl?: string } = {},
): Promise<StickyResult> {
  return upsertStickyComment(forge, commentKey, ({ previous, maxLength }) =>
    composeComment(parts, { maxLength, previous, reportUrl: options.reportUrl }),
  );
}
