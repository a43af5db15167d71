import { detectFormat } from '../metrics/detect.js';
import { parseMetricsText } from '../metrics/load.js';
import type { MetricsSet } from '../metrics/model.js';
import { decodeText } from '../text/utf8.js';
import type { GitReader } from '../ports.js';

/** One earlier version of the metrics files, oldest first in a history. */
export interface HistoryPoint {
  /** Short label for a chart axis: `abc1234`. */
  label: string;
  /** Per candidate file, its metrics at that commit (undefined: absent or unreadable). */
  sets: (MetricsSet | undefined)[];
}

/**
 * The metrics files as they were in the last commits of the baseline's history that changed
 * them: the trend a reviewer wants beside a single diff. Best effort: a version that no
 * longer parses is left out, never an error (the gate itself already read the baseline).
 */
export async function readGitHistory(
  git: GitReader,
  ref: string,
  candidateFiles: readonly string[],
  absolutePaths: readonly string[],
  limit: number,
): Promise<HistoryPoint[]> {
  const paths = await Promise.all(absolutePaths.map((file) => git.repoRelative(file)));
  // git log lists newest first; commits in the same second keep that order (reversed).
  const commits = new Map<string, { date: string; age: number }>();
  for (const path of paths) {
    const log = await git.commitsTouching(ref, path, limit);
    log.forEach((commit, age) => {
      if (!commits.has(commit.sha)) commits.set(commit.sha, { date: commit.date, age });
    });
  }
  const ordered = [...commits]
    .sort((a, b) => a[1].date.localeCompare(b[1].date) || b[1].age - a[1].age)
    .slice(-limit);
  const points: HistoryPoint[] = [];
  for (const [sha] of ordered) {
    const sets = await Promise.all(
      paths.map(async (path, index) => {
        try {
          const bytes = await git.readFileAt(sha, path);
          if (!bytes) return undefined;
          const text = decodeText(bytes, path, 'the metrics file');
          const set = await parseMetricsText(
            text,
            detectFormat(path, text),
            `${path}@${sha.slice(0, 7)}`,
          );
          return { file: candidateFiles[index]!, values: set.values };
        } catch {
          return undefined;
        }
      }),
    );
    points.push({ label: sha.slice(0, 7), sets });
  }
  return points;
}
