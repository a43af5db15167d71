import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { sanitiseKey } from './markers.js';
import { truncateMarkdown } from './truncate.js';
import { compareRunRanks, formatRunRank, outranks, parseRunRank } from './run-rank.js';
import type { RunRank } from './run-rank.js';

/**
 * One comment holds many reports (a quality-gate job and a validate-data job each own
 * their part). Each part sits between its own start and end markers; a job replaces
 * its parts and keeps the others it finds in the previous body.
 */

/** A rendered report that can render itself shorter when the comment is full. */
export interface ReportPart {
  key: string;
  /** Markdown for this report, at most `maxLength` characters when it can manage. */
  render: (maxLength: number) => string;
}

export interface ComposeOptions {
  /** Largest body allowed, in characters. */
  maxLength: number;
  /** Bodies of the sticky comments found, oldest first: their parts of other keys are kept. */
  previous?: readonly string[];
  /** Where the full reports are, named when a part has to be cut. */
  reportUrl?: string;
  /**
   * This run's rank, written into its parts' markers. A previous part of the same key from a
   * later run stays in place of this run's.
   */
  rank?: RunRank;
}

/** A part whose Markdown does not change with the budget (it is cut when too long). */
export function fixedPart(key: string, markdown: string): ReportPart {
  return { key, render: () => markdown };
}

export function composeComment(parts: readonly ReportPart[], options: ComposeOptions): string {
  const { maxLength } = options;
  const notice = truncationNotice(options.reportUrl);
  const entries = collectEntries(parts, options.previous ?? [], options.rank);

  const full = entries.map((entry) => entry.render(maxLength));
  const whole = assemble(entries, full);
  if (whole.length <= maxLength) return whole;

  const overhead = assemble(
    entries,
    entries.map(() => ''),
  ).length;
  const available = maxLength - overhead;
  if (available <= 0) return truncateMarkdown(whole, maxLength, notice);

  const fit = (index: number, budget: number): string => {
    const text = entries[index]!.render(budget);
    return text.length <= budget ? text : truncateMarkdown(text, budget, notice);
  };

  const shares = fairShares(
    full.map((text) => text.length),
    available,
  );
  const texts = full.map((text, i) => (text.length > shares[i]! ? fit(i, shares[i]!) : text));

  // Parts that rendered shorter than their share left room: give it to the parts that were cut.
  const slack = available - texts.reduce((sum, text) => sum + text.length, 0);
  const shrunk = texts.flatMap((text, i) => (text === full[i] ? [] : [i]));
  if (slack > 0 && shrunk.length > 0) {
    const extra = Math.floor(slack / shrunk.length);
    for (const i of shrunk) {
      if (extra > 0) texts[i] = fit(i, texts[i]!.length + extra);
    }
  }

  const body = assemble(entries, texts);
  // Cannot happen with honest arithmetic; the limit is a promise, so keep it regardless.
  return body.length <= maxLength ? body : truncateMarkdown(body, maxLength, notice);
}

/** The report parts found in a comment body, by key; text outside any part is ignored. */
export function parseReportParts(body: string): Map<string, string> {
  return new Map([...readReportParts(body)].map(([key, part]) => [key, part.text]));
}

/** The report parts of a comment body with the rank of the run that wrote each, if known. */
export function readReportParts(body: string): Map<string, { text: string; rank?: RunRank }> {
  const parts = new Map<string, { text: string; rank?: RunRank }>();
  const start =
    /<!-- sluice:report:([A-Za-z0-9_.-]+):start:([0-9a-f]{12})(?::run:([0-9.]+))? -->\n?/g;
  let match: RegExpExecArray | null;
  while ((match = start.exec(body)) !== null) {
    const [, key, nonce, rankText] = match;
    const endMarker = `<!-- sluice:report:${key}:end:${nonce} -->`;
    const end = body.indexOf(endMarker, start.lastIndex);
    if (end < 0) continue; // a stray or cut start marker: skip it, keep scanning
    const rank = parseRunRank(rankText);
    const text = body.slice(start.lastIndex, end).replace(/\n$/, '');
    parts.set(key!, rank ? { text, rank } : { text });
    start.lastIndex = end + endMarker.length;
  }
  return parts;
}

interface Entry {
  key: string;
  render: (maxLength: number) => string;
  rank?: RunRank;
}

function collectEntries(
  parts: readonly ReportPart[],
  previous: readonly string[],
  rank: RunRank | undefined,
): Entry[] {
  const byKey = new Map<string, Entry>();
  // Newer comments win (after a race the newest copy of a part is usually the latest run's),
  // unless the copy already kept carries a later run's rank, or a rank where the newer has none.
  for (const body of previous) {
    for (const [key, part] of readReportParts(body)) {
      const kept = byKey.get(key)?.rank;
      if (kept && (!part.rank || compareRunRanks(kept, part.rank) > 0)) continue;
      byKey.set(key, { key, render: () => part.text, ...(part.rank ? { rank: part.rank } : {}) });
    }
  }
  const own = new Set<string>();
  for (const part of parts) {
    const key = sanitiseKey(part.key, 'report-key');
    if (own.has(key)) {
      throw new UsageError(`two reports share the report-key "${key}" in one comment`, {
        place: { key: 'report-key' },
        hint: 'give each report its own report-key so neither replaces the other',
      });
    }
    own.add(key);
    if (outranks(byKey.get(key)?.rank, rank)) continue;
    byKey.set(key, { key, render: part.render, ...(rank ? { rank } : {}) });
  }
  // Code-unit order: the same on every machine, whatever its locale.
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function assemble(entries: readonly Entry[], texts: readonly string[]): string {
  return entries
    .map((entry, i) => {
      const text = texts[i]!;
      // The nonce is a digest of the text, so a report cannot contain its own end marker.
      const nonce = createHash('sha256').update(`${entry.key}\n${text}`).digest('hex').slice(0, 12);
      const run = entry.rank ? `:run:${formatRunRank(entry.rank)}` : '';
      return `<!-- sluice:report:${entry.key}:start:${nonce}${run} -->\n${text}\n<!-- sluice:report:${entry.key}:end:${nonce} -->`;
    })
    .join('\n\n');
}

/** Water-filling: small parts keep their size, the large ones share what is left equally. */
export function fairShares(sizes: readonly number[], available: number): number[] {
  const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size);
  const shares = new Array<number>(sizes.length).fill(0);
  let remaining = available;
  order.forEach(({ size, index }, rank) => {
    const fair = Math.floor(remaining / (order.length - rank));
    const share = Math.max(0, Math.min(size, fair));
    shares[index] = share;
    remaining -= share;
  });
  return shares;
}

function truncationNotice(reportUrl: string | undefined): string {
  const where =
    reportUrl && /^https?:\/\//i.test(reportUrl)
      ? `[the full report](${escapeUrl(reportUrl)})`
      : 'the full report in the job summary and artifacts';
  return `✂️ Shortened to fit the comment size limit: see ${where}.`;
}

/** Keeps a user-given URL from ending the Markdown link early or injecting markup. */
function escapeUrl(url: string): string {
  return url.replace(
    /[\s()<>"'`[\]\\]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
