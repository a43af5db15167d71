import path from 'node:path';
import { allInOrder } from '../async/in-order.js';
import { fairShares } from '../comment/compose.js';
import { postReportComment } from '../comment/post-report.js';
import { expandPatterns } from '../files/glob.js';
import { readUserText } from '../files/user-file.js';
import type { Report } from '../report/model.js';
import { parseReportJson } from '../report/render/parse-json.js';
import { renderMarkdown } from '../report/render/markdown.js';
import type { comment as commentDef } from '../../inputs/comment.js';
import type { InputsOf } from '../../inputs/types.js';
import type { LinkPolicy } from '../files/contained.js';
import type { CommandImpl } from './types.js';

/** comment's inputs, typed by its definition. */
export type CommentInputs = InputsOf<typeof commentDef>;

/**
 * `comment`: joins report JSON files (this job's, or downloaded artifacts) into the one
 * sticky comment. It has no verdict of its own: a failed gate was already the gate's exit.
 */
export const commentCommand: CommandImpl<CommentInputs> = async (inputs, deps) => {
  const cwd = deps.run.cwd;
  const links = { root: cwd, followOutside: inputs['follow-links-outside'] };
  const files = await expandPatterns(inputs.reports, cwd, 'reports');
  const reports = await allInOrder(files.map((file) => readReport(cwd, file, links)));
  const reportUrl = inputs['report-url'] ?? deps.run.runUrl;
  const summaryLimit = deps.summary?.limitBytes;
  await deps.summary?.write(summaryMarkdown(reports, summaryLimit, reportUrl));
  const result = await postReportComment(
    {
      reports,
      commentKey: inputs['comment-key'],
      token: inputs.token,
      pullRequest: inputs['pull-request'],
      ...(reportUrl ? { reportUrl } : {}),
      ...(inputs.preview ? { preview: path.resolve(cwd, inputs.preview) } : {}),
      // This command prints no report to the log: only the summary (where there is one) and
      // the report files it was given hold it.
      reportIsIn: `${summaryLimit ? 'the job summary and ' : ''}${files.length === 1 ? 'the report file' : 'the report files'} ${files.join(', ')}`,
    },
    deps,
  );
  return { outputs: { 'comment-url': result.url ?? '', 'comment-id': result.id ?? '' } };
};

const SEPARATOR = '\n\n';

/**
 * The reports for the job summary, within the platform's limit in bytes (GitHub drops a
 * step's summary over 1 MiB). Small reports keep their size; the large ones share the rest
 * and fold, then cut, to fit it, as quality-gate's own summary does.
 */
export function summaryMarkdown(
  reports: readonly Report[],
  limitBytes: number | undefined,
  reportUrl: string | undefined,
): string {
  const render = (report: Report, maxLength?: number): string =>
    renderMarkdown(report, {
      fullReportUrl: reportUrl,
      ...(maxLength === undefined ? {} : { maxLength, lengthUnit: 'utf8' as const }),
    });
  const full = reports.map((report) => render(report));
  const whole = full.join(SEPARATOR);
  if (limitBytes === undefined) return whole;
  // The platform appends one newline to what it is given.
  const available = limitBytes - 1 - SEPARATOR.length * Math.max(0, reports.length - 1);
  const sizes = full.map((text) => Buffer.byteLength(text, 'utf8'));
  if (sizes.reduce((sum, size) => sum + size, 0) <= available) return whole;
  const shares = fairShares(sizes, Math.max(0, available));
  return reports
    .map((report, i) => (sizes[i]! <= shares[i]! ? full[i]! : render(report, shares[i]!)))
    .join(SEPARATOR);
}

async function readReport(cwd: string, file: string, links: LinkPolicy): Promise<Report> {
  const text = await readUserText(
    path.resolve(cwd, file),
    {
      file,
      what: 'report',
      key: 'reports',
      notFoundHint: 'write it with `--output json=<path>` of a sluice command',
    },
    { links },
  );
  return parseReportJson(text, file);
}
