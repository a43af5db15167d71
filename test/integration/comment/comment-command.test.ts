import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentCommand, summaryMarkdown } from '../../../src/core/commands/comment.js';
import { runComment } from '../../unit/support/commands.js';
import { postReportComment } from '../../../src/core/comment/post-report.js';
import { commentMarker } from '../../../src/core/comment/markers.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { evaluateGate } from '../../../src/core/gate/evaluate.js';
import { buildGateReport } from '../../../src/core/gate/report.js';
import { parseMetrics } from '../../../src/core/metrics/parsers-all.js';
import type { Forge } from '../../../src/core/ports.js';
import { renderReport } from '../../../src/core/report/render/index.js';
import type { Report } from '../../../src/core/report/model.js';
import { runCommand } from '../../../src/app/run-command.js';
import { comment } from '../../../src/inputs/comment.js';
import { localPlatform } from '../../../src/platforms/local/platform.js';
import { FakeForge } from '../../unit/comment/fake-forge.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

/** A quality-gate report of `count` metrics with long names, so its Markdown is large. */
function bigReport(key: string, count: number): Report {
  const values = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`${key}_metric_${'x'.repeat(200)}_${i}`, i / 7]),
  );
  const candidate = parseMetrics(JSON.stringify(values), 'json', `${key}.json`);
  const baseline = parseMetrics(
    JSON.stringify(Object.fromEntries(Object.keys(values).map((k) => [k, 0.5]))),
    'json',
    `${key}.json`,
  );
  return buildGateReport(evaluateGate([candidate], [baseline], undefined, 'main'), { key });
}

/** The dependencies the comment code uses: a logger, the run, the summary and the forge. */
function fakeDeps(options: {
  summaryLimit?: number;
  forge?: Forge;
  reason?: string;
  runRank?: number[];
  cwd?: string;
}) {
  const logs: string[] = [];
  const summaries: string[] = [];
  const deps = {
    logger: {
      debug: () => undefined,
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
      group: <T>(_t: string, run: () => Promise<T>) => run(),
    },
    run: {
      platform: 'github',
      cwd: options.cwd ?? '/',
      ...(options.runRank ? { runRank: options.runRank } : {}),
    },
    summary: {
      write: (markdown: string) => {
        summaries.push(`${markdown}\n`);
        return Promise.resolve();
      },
      limitBytes: options.summaryLimit,
    },
    forge: () =>
      Promise.resolve(
        options.forge ? { forge: options.forge } : { reason: options.reason ?? 'no token' },
      ),
  } as unknown as CommandDeps;
  return { deps, logs, summaries };
}

describe('comment: the job summary', () => {
  it('stays within the platform limit in bytes for several long reports', () => {
    const reports = ['a', 'b', 'c'].map((key) => bigReport(key, 1500));
    const limit = 1024 * 1024;
    expect(
      reports.reduce((n, r) => n + Buffer.byteLength(renderReport(r, 'markdown'), 'utf8'), 0),
    ).toBeGreaterThan(limit);
    const text = summaryMarkdown(reports, limit, undefined);
    expect(Buffer.byteLength(`${text}\n`, 'utf8')).toBeLessThanOrEqual(limit);
    // Each report keeps its heading and verdict: shortened, not dropped.
    expect(text.match(/^## ✅ Quality gate$/gm)).toHaveLength(3);
  });

  it('is written capped by the command, and says where the report is when not commenting', async () => {
    const dir = tempDir('sluice-comment-');
    const files = ['a', 'b', 'c'].map((key) => {
      const file = path.join(dir, `${key}.json`);
      writeFileSync(file, renderReport(bigReport(key, 1500), 'json'));
      return `${key}.json`;
    });
    const { deps, logs, summaries } = fakeDeps({
      summaryLimit: 1024 * 1024,
      reason: 'pull request from a fork',
      cwd: dir,
    });
    await runComment({ reports: files }, deps);
    expect(Buffer.byteLength(summaries.join(''), 'utf8')).toBeLessThanOrEqual(1024 * 1024);
    const line = logs.find((l) => l.startsWith('no PR/MR comment written'));
    expect(line).toBe(
      'no PR/MR comment written: pull request from a fork. The report is in the job summary and the report files a.json, b.json, c.json.',
    );
    expect(line).not.toContain('job log');
  });

  it('keeps the default wording for quality-gate, which prints its report to the log', async () => {
    const { deps, logs } = fakeDeps({ summaryLimit: 100, reason: 'no token' });
    await postReportComment(
      {
        reports: [bigReport('q', 1)],
        commentKey: 'sluice',
        token: undefined,
        pullRequest: undefined,
      },
      deps,
    );
    expect(logs).toContain(
      'no PR/MR comment written: no token. The report is in the job log and the job summary.',
    );
  });
});

describe('comment --preview', () => {
  it('writes exactly the body a new sticky comment gets: same marker line, same budget', async () => {
    const dir = tempDir('sluice-preview-');
    const reports = [bigReport('a', 600)];
    const forge = new FakeForge({ maxCommentLength: 65_536 });
    const { deps } = fakeDeps({ forge });
    const preview = path.join(dir, 'preview.md');
    await postReportComment(
      {
        reports,
        commentKey: 'sluice',
        token: 'x',
        pullRequest: 1,
        preview,
      },
      deps,
    );
    const written = readFileSync(preview, 'utf8');
    expect(written.startsWith(`${commentMarker('sluice')}\n`)).toBe(true);
    expect(written.length).toBeLessThanOrEqual(65_536);
    expect(written).toBe(forge.all[0]!.body);
  });
});

describe('a sticky comment that a later run already wrote', () => {
  it("leaves the later run's report in place and says so", async () => {
    const forge = new FakeForge({ maxCommentLength: 65_536 });
    const later = fakeDeps({ forge, runRank: [101, 1] });
    await postReportComment(
      {
        reports: [bigReport('gate', 2)],
        commentKey: 'sluice',
        token: 'x',
        pullRequest: 1,
      },
      later.deps,
    );
    const body = forge.all[0]!.body;
    expect(body).toContain(':run:101.1 -->');
    const earlier = fakeDeps({ forge, runRank: [100, 4] });
    const result = await postReportComment(
      {
        reports: [bigReport('gate', 3)],
        commentKey: 'sluice',
        token: 'x',
        pullRequest: 1,
      },
      earlier.deps,
    );
    expect(forge.all.map((c) => c.body)).toEqual([body]);
    expect(result.superseded).toEqual(['gate']);
    expect(earlier.logs).toEqual([
      `the sticky comment already holds a later run's "gate" report, left in place of this run's`,
    ]);
  });

  it('writes the same run markers into the preview as into the comment', async () => {
    const dir = tempDir('sluice-preview-');
    const forge = new FakeForge({ maxCommentLength: 65_536 });
    const { deps } = fakeDeps({ forge, runRank: [7, 2] });
    const preview = path.join(dir, 'preview.md');
    await postReportComment(
      {
        reports: [bigReport('gate', 2)],
        commentKey: 'sluice',
        token: 'x',
        pullRequest: 1,
        preview,
      },
      deps,
    );
    expect(readFileSync(preview, 'utf8')).toBe(forge.all[0]!.body);
  });
});

describe('comment: run by the app', () => {
  it("gets the platform's forge and job summary through its dependencies", async () => {
    const dir = tempDir('sluice-comment-app-');
    writeFileSync(path.join(dir, 'gate.json'), renderReport(bigReport('gate', 2), 'json'));
    const forge = new FakeForge({ maxCommentLength: 65_536 });
    const summaries: string[] = [];
    const lines: string[] = [];
    const base = localPlatform(dir, (line) => lines.push(line), false, 80);
    const outputs: Record<string, string>[] = [];
    const code = await runCommand({
      def: comment,
      impl: commentCommand,
      platform: {
        ...base,
        summaryLimit: 1024 * 1024,
        writeSummary: (markdown) => {
          summaries.push(markdown);
          return Promise.resolve();
        },
        setOutputs: (values) => {
          outputs.push(values);
          return Promise.resolve();
        },
        createForge: (request) => {
          expect(request).toEqual({ token: 't0ken', pullRequest: 7 });
          return Promise.resolve({ forge });
        },
      },
      readInput: (name) => ({ reports: 'gate.json', token: 't0ken', 'pull-request': '7' })[name],
      stdout: () => undefined,
      color: false,
    });
    expect(code).toBe(0);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain('Quality gate');
    expect(forge.all).toHaveLength(1);
    expect(outputs).toEqual([
      { 'comment-url': expect.any(String), 'comment-id': forge.all[0]!.id },
    ]);
    expect(lines).toContain(
      'created the sticky comment' + (forge.all[0]!.url ? `: ${forge.all[0]!.url}` : ''),
    );
  });

  it('without a forge in its dependencies, says so and writes no comment', async () => {
    const dir = tempDir('sluice-comment-noforge-');
    writeFileSync(path.join(dir, 'gate.json'), renderReport(bigReport('gate', 2), 'json'));
    const { deps, logs } = fakeDeps({ cwd: dir });
    const result = await runComment({ reports: ['gate.json'] }, {
      ...deps,
      forge: undefined,
      summary: undefined,
    } as CommandDeps);
    expect(result.outputs).toEqual({ 'comment-url': '', 'comment-id': '' });
    expect(logs).toEqual([
      'no PR/MR comment written: this platform has no forge to comment on. The report is in the report file gate.json.',
    ]);
  });
});
