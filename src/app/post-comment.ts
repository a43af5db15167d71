import type { ReportPart } from '../core/comment/compose.js';
import { composeComment } from '../core/comment/compose.js';
import { postStickyReports } from '../core/comment/post.js';
import { stickyBodyBudget, stickyCommentText } from '../core/comment/sticky.js';
import { writeUserOutput } from '../core/files/user-file.js';
import type { Report } from '../core/report/model.js';
import { renderMarkdown } from '../core/report/render/markdown.js';
import type { Platform } from '../platforms/types.js';

/** GitHub's limit, used for previews so they show what a reviewer would get. */
const PREVIEW_LIMIT = 65_536;

export interface PostCommentRequest {
  platform: Platform;
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

/**
 * Puts the reports into the sticky comment, or says plainly why it did not (a fork, no
 * token, not a pull request): that is a reason to log, not a failure of the run.
 */
export async function postReportComment(request: PostCommentRequest): Promise<PostCommentResult> {
  const { platform } = request;
  const rank = platform.runContext().runRank;
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
    platform.logger.info(`comment body written to ${request.preview}`);
  }
  const target = await platform.createForge({
    token: request.token,
    pullRequest: request.pullRequest,
  });
  if ('reason' in target) {
    const where =
      request.reportIsIn ?? `the job log${platform.summaryLimit ? ' and the job summary' : ''}`;
    platform.logger.info(`no PR/MR comment written: ${target.reason}. The report is in ${where}.`);
    return { skipped: target.reason };
  }
  const result = await postStickyReports(target.forge, request.commentKey, parts, {
    reportUrl: request.reportUrl,
    ...(rank ? { rank } : {}),
  });
  const where = result.comment.url ? `: ${result.comment.url}` : '';
  if (result.superseded.length > 0) {
    platform.logger.info(
      `the sticky comment already holds a later run's ${result.superseded.map((k) => `"${k}"`).join(', ')} report, left in place of this run's${where}`,
    );
  }
  if (result.superseded.length < parts.length || result.action !== 'unchanged')
    platform.logger.info(`${result.action} the sticky comment${where}`);
  return {
    id: result.comment.id,
    ...(result.comment.url ? { url: result.comment.url } : {}),
    ...(result.superseded.length > 0 ? { superseded: result.superseded } : {}),
  };
}
