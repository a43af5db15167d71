import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandImpl } from '../core/commands/types.js';
import { UsageError } from '../core/errors.js';
import { expandPatterns } from '../core/files/glob.js';
import type { Report } from '../core/report/model.js';
import { parseReportJson } from '../core/report/render/parse-json.js';
import { renderMarkdown } from '../core/report/render/markdown.js';
import type { Platform } from '../platforms/types.js';
import { postReportComment } from './post-comment.js';

/**
 * `comment`: joins report JSON files (this job's, or downloaded artifacts) into the one
 * sticky comment. It has no verdict of its own: a failed gate was already the gate's exit.
 */
export function commentCommand(platform: Platform): CommandImpl {
  return async (inputs, deps) => {
    const cwd = deps.run.cwd;
    const files = await expandPatterns(
      (inputs.reports as string[] | undefined) ?? [],
      cwd,
      'reports',
    );
    const reports = await Promise.all(files.map((file) => readReport(cwd, file)));
    const reportUrl = (inputs['report-url'] as string | undefined) ?? deps.run.runUrl;
    await platform.writeSummary(
      reports.map((report) => renderMarkdown(report, { fullReportUrl: reportUrl })).join('\n\n'),
    );
    const result = await postReportComment({
      platform,
      reports,
      commentKey: (inputs['comment-key'] as string | undefined) ?? 'sluice',
      token: inputs.token as string | undefined,
      pullRequest: inputs['pull-request'] as number | undefined,
      ...(reportUrl ? { reportUrl } : {}),
      ...(inputs.preview ? { preview: path.resolve(cwd, inputs.preview as string) } : {}),
    });
    return { outputs: { 'comment-url': result.url ?? '', 'comment-id': result.id ?? '' } };
  };
}

async function readReport(cwd: string, file: string): Promise<Report> {
  const absolute = path.resolve(cwd, file);
  const info = await stat(absolute).catch(() => undefined);
  if (!info)
    throw new UsageError(`report ${file} does not exist`, {
      place: { file, key: 'reports' },
      hint: 'write it with `--output json=<path>` of a sluice command',
    });
  if (info.isDirectory())
    throw new UsageError(`report ${file} is a folder`, {
      place: { file, key: 'reports' },
      hint: 'give report JSON files, or a glob like `reports/*.json`',
    });
  return parseReportJson(await readFile(absolute, 'utf8'), file);
}
