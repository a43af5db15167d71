/**
 * Renders a sticky-comment body the way GitHub shows it (GFM through `marked`, GitHub's
 * Markdown CSS) and screenshots it with headless Chromium: the README's picture.
 *
 *   tsx scripts/screenshot-comment.ts <comment.md> <out.png> [width]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { marked } from 'marked';

const [input, output, widthText] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: tsx scripts/screenshot-comment.ts <comment.md> <out.png> [width]');
  process.exit(2);
}
const width = Number(widthText ?? 900);
const css = readFileSync(
  createRequire(import.meta.url).resolve('github-markdown-css/github-markdown-light.css'),
  'utf8',
);
const body = await marked.parse(readFileSync(input, 'utf8'), { gfm: true });
const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; }
.frame { margin: 16px; border: 1px solid #d0d7de; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; font: 14px -apple-system, "Segoe UI", sans-serif; color: #57606a; }
.head b { color: #1f2328; }
.markdown-body { padding: 16px; font-size: 14px; }
details[open] summary { margin-bottom: 8px; }
</style></head><body><div class="frame"><div class="head"><b>github-actions</b> bot commented</div>
<article class="markdown-body">${body}</article></div></body></html>`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-shot-'));
const page = path.join(dir, 'comment.html');
writeFileSync(page, html);
const height = Number(process.env.SHOT_HEIGHT ?? 900);
execFileSync(
  'chromium',
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${path.join(dir, 'profile')}`,
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    `--window-size=${width},${height}`,
    `--screenshot=${path.resolve(output)}`,
    `file://${page}`,
  ],
  { stdio: 'ignore' },
);
console.log(`wrote ${output}`);
