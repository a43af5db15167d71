import type { CommandDeps } from '../commands/types.js';
import { writeUserOutput } from '../files/user-file.js';
import type { Report } from '../report/model.js';
import { renderMarkdown } from '../report/render/markdown.js';
import type { ReportPart } from './compose.js';
import { composeComment } from './compose.js';
import { postStickyReports } from './post.js';
import { stickyBodyBudget, stickyCommentText } from './sticky.js';

/** GitHub's limit, used for previews so they show what a reviewer would get. */
const PREVIEW_LIMIT = 65_536;

export interface PostCommentRequest {
  reports: readonly Report[];
  commentKey: string;
  token: string | undefined;
  pullRequest: number | undefined;
  reportUrl?: string;
  /** Also write the body here. */
  preview?: string;
  /**
   * Where the report can be read when no comment is written, said in the log line. Default:
   * the job log, and the job summary where the platform has one (what quality-gate writes).
   */
  reportIsIn?: string;
}

export interface PostCommentResult {
  url?: string;
  id?: string;
  /** Why no comment was written, when none was. */
  skipped?: string;
  /** Report keys a later run's part stands in for in the comment. */
  superseded?: string[];
}

/** What posting needs of the command's dependencies: the forge, and where to log. */
export type PostCommentDeps = Pick<CommandDeps, 'logger' | 'run' | 'forge' | 'summary'>;

/** Said when the platform gives no way to open a forge (a core run without an adapter). */
const NO_FORGE = 'this platform has no forge to comment on';

/**
 * Puts the reports into the sticky comment, or says plainly why it did not (a fork, no
 * token, not a pull request): that is a reason to log, not a failure of the run.
 */
export async function postReportComment(
  request: PostCommentRequest,
  deps: PostCommentDeps,
): Promise<PostCommentResult> {
  const { logger } = deps;
  const summaryLimit = deps.summary?.limitBytes;
  const rank = deps.run.runRank;
  const parts: ReportPart[] = request.reports.map((report) => ({
    key: report.key,
    render: (maxLength) => renderMarkdown(report, { maxLength, fullReportUrl: request.reportUrl }),
  }));
  if (request.preview) {
    // The body exactly as a new sticky comment would be posted: marker line and budget alike.
    const body = stickyCommentText(
      request.commentKey,
      composeComment(parts, {
        maxLength: stickyBodyBudget(PREVIEW_LIMIT, request.commentKey),
        reportUrl: request.reportUrl,
        ...(rank ? { rank } : {}),
      }),
    );
    await writeUserOutput(request.preview, body, {
      file: request.preview,
      what: 'comment preview',
      key: 'preview',
    });
    logger.info(`comment body written to ${request.preview}`);
  }
  const target = deps.forge
    ? await deps.forge({ token: request.token, pullRequest: request.pullRequest })
    : { reason: NO_FORGE };
  if ('reason' in target) {
    const where = request.reportIsIn ?? `the job log${summaryLimit ? ' and the job summary' : ''}`;
    logger.info(`no PR/MR comment written: ${target.reason}. The report is in ${where}.`);
    return { skipped: target.reason };
  }
  const result = await postStickyReports(target.forge, request.commentKey, parts, {
    reportUrl: request.reportUrl,
    ...(rank ? { rank } : {}),
  });
  const where = result.comment.url ? `: ${result.comment.url}` : '';
  if (result.superseded.length > 0) {
    logger.info(
      `the sticky comment already holds a later run's ${result.superseded.map((k) => `"${k}"`).join(', ')} report, left in place of this run's${where}`,
    );
  }
  if (result.superseded.length < parts.length || result.action !== 'unchanged')
    logger.info(`${result.action} the sticky comment${where}`);
  return {
    id: result.comment.id,
    ...(result.comment.url ? { url: result.comment.url } : {}),
    ...(result.superseded.length > 0 ? { superseded: result.superseded } : {}),
  };
}
