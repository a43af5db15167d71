/**
 * Orders runs of one pipeline so a later run's report is not replaced by an earlier run
 * that happens to finish after it (two pushes in a row, a re-run): GitHub's run id then its
 * attempt, GitLab's pipeline id then its job id. Compared number by number.
 */
export type RunRank = readonly number[];

/** Positive when `a` is the later run, negative when `b` is, 0 when equal. */
export function compareRunRanks(a: RunRank, b: RunRank): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Whether a part written by `theirs` outranks this run's (`ours`): unranked runs never do. */
export function outranks(theirs: RunRank | undefined, ours: RunRank | undefined): boolean {
  return theirs !== undefined && ours !== undefined && compareRunRanks(theirs, ours) > 0;
}

/** `12.3` for the part marker. */
export function formatRunRank(rank: RunRank): string {
  return rank.join('.');
}

export function parseRunRank(text: string | undefined): RunRank | undefined {
  if (!text) return undefined;
  const numbers = text.split('.').map(Number);
  return numbers.every((n) => Number.isSafeInteger(n) && n >= 0) ? numbers : undefined;
}

/** A rank from the CI's decimal ids, or none when one is missing or not a whole number. */
export function runRankOf(...ids: (string | undefined)[]): RunRank | undefined {
  return parseRunRank(
    ids.every((id) => id !== undefined && /^\d+$/.test(id)) ? ids.join('.') : undefined,
  );
}
