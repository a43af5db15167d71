import { stat } from 'node:fs/promises';
import path from 'node:path';
import { allInOrder } from '../async/in-order.js';
import { InfraError, UsageError } from '../errors.js';
import type { RunContext } from '../commands/types.js';
import { gitMissingError, isProgramMissing } from '../exec/missing-program.js';
import { errorCode, userPathError } from '../files/fs-errors.js';
import { GitReadError } from './git-errors.js';
import { detectFormat } from '../metrics/detect.js';
import { loadMetricsFile, parseMetricsText } from '../metrics/load.js';
import type { MetricsSet } from '../metrics/model.js';
import type { LinkPolicy } from '../files/contained.js';
import { decodeText } from '../text/utf8.js';
import type { GitReader, ModelRegistry } from '../ports.js';
import type { Inline } from '../report/model.js';
import type { HistoryPoint } from './history.js';
import { describeMlflowRef, printable, type BaselineSpec, type MlflowRef } from './spec.js';
import { readRegistryRef } from './registry.js';

/** The baseline metrics, one entry per candidate file (undefined: that file has no baseline). */
export interface ResolvedBaseline {
  /** How the report names the baseline (`main@abc1234`, `baseline.json`), undefined when none. */
  label: string | undefined;
  sets: (MetricsSet | undefined)[];
  notes: string[];
  /** The commit-ish the baseline was read at, when it came from git (for the history chart). */
  gitRef?: string;
  /** Where the baseline came from, with links (a registry's version and run pages). */
  provenance?: Inline[];
  /** The baseline's own history (a registry's earlier versions), oldest first, itself last. */
  history?: (count: number) => Promise<HistoryPoint[]>;
  /** What `history`'s points are (`versions` of a model, `steps` of a run). */
  historyUnit?: 'versions' | 'steps';
}

export interface BaselineDeps {
  git: GitReader;
  run: RunContext;
  /** Backs `mlflow:` baselines (src/clients/mlflow); undefined when none is configured. */
  modelRegistry?: ModelRegistry;
  /** Baseline files in the working directory may not link out of it (unless allowed). */
  links?: LinkPolicy;
}

const NO_GIT = 'set `baseline` to `file:<path>` or `none`';

const NONE = (count: number, notes: string[]): ResolvedBaseline => ({
  label: undefined,
  sets: new Array<undefined>(count).fill(undefined),
  notes,
});

export async function resolveBaseline(
  spec: BaselineSpec,
  candidateFiles: readonly string[],
  deps: BaselineDeps,
): Promise<ResolvedBaseline> {
  switch (spec.kind) {
    case 'none':
      return NONE(candidateFiles.length, ['`baseline: none` was asked for.']);
    case 'auto':
      return resolveAuto(candidateFiles, deps);
    case 'file':
      return resolveFile(spec.path, candidateFiles, deps.run.cwd, deps);
    case 'git':
      return resolveGit(spec.ref, spec.ref, candidateFiles, deps);
    case 'mlflow':
      return resolveModelRegistry(spec.ref, candidateFiles, deps);
  }
}

async function resolveAuto(
  candidateFiles: readonly string[],
  deps: BaselineDeps,
): Promise<ResolvedBaseline> {
  const change = deps.run.changeRequest;
  if (!change) {
    return NONE(candidateFiles.length, [
      'This run is not a pull/merge request and no `baseline` was given, so there is nothing to compare with.',
    ]);
  }
  const target = change.baseSha ?? `origin/${change.baseRef}`;
  let base: string;
  try {
    base = await deps.git.mergeBase('HEAD', target);
  } catch (error) {
    if (isProgramMissing(error))
      throw gitMissingError('`baseline: auto`', 'baseline', NO_GIT, error);
    if (error instanceof GitReadError && error.reason !== 'unknown-ref')
      throw baselineGitError(error, '`baseline: auto`', deps.run.cwd);
    throw new UsageError(`cannot find the merge base of HEAD and ${change.baseRef} (${target})`, {
      place: { key: 'baseline' },
      hint: 'fetch the target branch history (GitHub: `actions/checkout` with `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0`), or set `baseline` explicitly',
      cause: error,
    });
  }
  return resolveGit(base, `${change.baseRef}@${base.slice(0, 7)}`, candidateFiles, deps);
}

async function resolveFile(
  baselinePath: string,
  candidateFiles: readonly string[],
  cwd: string,
  deps: BaselineDeps,
): Promise<ResolvedBaseline> {
  const absolute = path.resolve(cwd, baselinePath);
  const target = { file: baselinePath, what: 'baseline file', key: 'baseline' };
  const info = await stat(absolute).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw userPathError(error, target, 'read') ?? error;
  });
  if (!info) {
    throw new UsageError(`baseline file ${baselinePath} does not exist`, {
      place: { file: baselinePath, key: 'baseline' },
      hint: 'give the path of a metrics file (or of a folder holding files named like the candidates)',
    });
  }
  if (info.isDirectory()) {
    const sets = await allInOrder(
      folderMatches(baselinePath, candidateFiles, cwd).map(async ({ candidate, paths }) => {
        const exists = async (file: string) =>
          (await stat(path.resolve(cwd, file)).catch(() => undefined)) !== undefined;
        const [exact, byName] = paths;
        let file: string | undefined;
        if (await exists(exact!)) file = exact;
        else if (byName !== undefined && (await exists(byName))) file = byName;
        if (file === undefined) return undefined;
        if (file === byName && paths.ambiguous) {
          throw new UsageError(
            `baseline folder ${baselinePath} has no ${exact}, and ${byName} would be the baseline of ${paths.ambiguous.join(' and ')} alike`,
            {
              place: { file: baselinePath, key: 'baseline' },
              hint: `lay the baseline folder out like the candidates (${exact}), or compare them one at a time`,
            },
          );
        }
        return withFile(
          await loadMetricsFile(path.resolve(cwd, file), { displayPath: file, ...linksOf(deps) }),
          candidate,
        );
      }),
    );
    return { label: baselinePath, sets, notes: [] };
  }
  if (candidateFiles.length !== 1) {
    throw new UsageError(
      `baseline ${baselinePath} is one file but ${candidateFiles.length} metrics files were given`,
      {
        place: { file: baselinePath, key: 'baseline' },
        hint: 'give a folder holding a baseline file named like each candidate, or use `git:<ref>`',
      },
    );
  }
  const set = await loadMetricsFile(absolute, { displayPath: baselinePath, ...linksOf(deps) });
  return { label: baselinePath, sets: [withFile(set, candidateFiles[0]!)], notes: [] };
}

async function resolveGit(
  ref: string,
  label: string,
  candidateFiles: readonly string[],
  deps: BaselineDeps,
): Promise<ResolvedBaseline> {
  const notes: string[] = [];
  const sets = await allInOrder(
    candidateFiles.map(async (candidate) => {
      const absolute = path.resolve(deps.run.cwd, candidate);
      let inRepo: string;
      try {
        inRepo = await deps.git.repoRelative(absolute);
      } catch (error) {
        if (isProgramMissing(error))
          throw gitMissingError(`baseline \`git:${ref}\``, 'baseline', NO_GIT, error);
        if (error instanceof GitReadError)
          throw baselineGitError(error, `baseline \`git:${ref}\``, deps.run.cwd, ref);
        throw error;
      }
      let bytes: Buffer | undefined;
      try {
        bytes = await deps.git.readFileAt(ref, inRepo);
      } catch (error) {
        if (isProgramMissing(error))
          throw gitMissingError(`baseline \`git:${ref}\``, 'baseline', NO_GIT, error);
        if (error instanceof GitReadError)
          throw baselineGitError(error, `baseline \`git:${ref}\``, deps.run.cwd, ref);
        throw new UsageError(`cannot read ${inRepo} at git ref \`${ref}\``, {
          place: { key: 'baseline' },
          hint: 'check that the ref exists in this clone (fetch it, or use `fetch-depth: 0`)',
          cause: error,
        });
      }
      if (bytes === undefined) return undefined;
      const where = `${inRepo}@${label}`;
      const text = decodeText(bytes, where, 'the baseline file');
      return withFile(
        await parseMetricsText(text, detectFormat(inRepo, text, where), where),
        candidate,
      );
    }),
  );
  return { label, sets, notes, gitRef: ref };
}

async function resolveModelRegistry(
  ref: MlflowRef,
  candidateFiles: readonly string[],
  deps: BaselineDeps,
): Promise<ResolvedBaseline> {
  const named = `\`mlflow:${printable(describeMlflowRef(ref))}\``;
  if (candidateFiles.length !== 1) {
    throw new UsageError(`baseline ${named} compares against exactly one metrics file`, {
      place: { key: 'metrics' },
      hint: 'give one metrics file, or use a `file:` baseline folder for several',
    });
  }
  const read = await readRegistryRef(ref, deps.modelRegistry, 'baseline');
  return {
    label: read.label,
    sets: [{ file: candidateFiles[0]!, values: read.values }],
    notes: read.notes,
    provenance: [{ strong: 'Baseline' }, ': ', ...read.provenance],
    ...(read.history ? { history: read.history(candidateFiles[0]!) } : {}),
    ...(read.historyUnit ? { historyUnit: read.historyUnit } : {}),
  };
}

type FolderPaths = string[] & { ambiguous?: string[] };

/**
 * Where each candidate's baseline may be in a baseline folder: first its path relative to the
 * candidates' common folder (`a/metrics.json`, `b/metrics.json` → `<folder>/a/metrics.json`, …;
 * one candidate or candidates side by side → `<folder>/<name>`), then its bare name. The bare
 * name is a fallback only when no other candidate shares it; when one does, finding only that
 * file is an error that names them, never a silent comparison of both with one baseline.
 */
function folderMatches(
  folder: string,
  candidates: readonly string[],
  cwd: string,
): { candidate: string; paths: FolderPaths }[] {
  const absolute = candidates.map((candidate) => path.resolve(cwd, candidate));
  const root = commonFolder(absolute.map((file) => path.dirname(file)));
  return candidates.map((candidate, index) => {
    const relative = path.relative(root, absolute[index]!);
    const paths: FolderPaths = [path.join(folder, relative)];
    const name = path.basename(candidate);
    if (relative !== name) {
      paths.push(path.join(folder, name));
      const sharing = candidates.filter((other) => path.basename(other) === name);
      if (sharing.length > 1) paths.ambiguous = sharing;
    }
    return { candidate, paths };
  });
}

function commonFolder(folders: readonly string[]): string {
  const split = folders.map((folder) => folder.split(path.sep));
  const first = split[0] ?? [];
  let length = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < length && i < parts.length && parts[i] === first[i]) i += 1;
    length = i;
  }
  return first.slice(0, length).join(path.sep) || path.sep;
}

/** A baseline row is matched to its candidate by file; keep the candidate's name. */
function withFile(set: MetricsSet, candidate: string): MetricsSet {
  return { file: candidate, values: set.values };
}

const FETCH_HISTORY =
  'GitHub: `actions/checkout` with `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0` (or `git fetch` the ref first)';

/**
 * A git failure while reading the baseline: the user's cases (no repository, no such ref, a
 * repository git will not open) are exit 2 with what to do; git failing otherwise is exit 3.
 */
function baselineGitError(
  error: GitReadError,
  what: string,
  cwd: string,
  ref?: string,
): UsageError | InfraError {
  const place = { key: 'baseline' };
  switch (error.reason) {
    case 'not-a-repository':
      return new UsageError(`${what} needs a git repository, but ${cwd} is not inside one`, {
        place,
        hint: `run sluice in the checkout of the repository (check it out first), or ${NO_GIT}`,
        cause: error,
      });
    case 'unsafe-repository':
      return new UsageError(
        `${what}: git refuses the repository at ${cwd} (another user owns it)`,
        {
          place,
          hint: `mark it safe first: \`git config --global --add safe.directory ${cwd}\``,
          cause: error,
        },
      );
    case 'unknown-ref':
      return new UsageError(
        `${what}: the ref \`${ref ?? ''}\` does not exist in this clone${error.shallow ? ' (a shallow clone: it may not be fetched)' : ''}`,
        {
          place,
          hint: error.shallow
            ? `fetch the history: ${FETCH_HISTORY}`
            : `check the branch, tag or commit name; a remote branch is \`git:origin/<branch>\`; or fetch it (${FETCH_HISTORY})`,
          cause: error,
        },
      );
    case 'failed':
      return new InfraError(`${what}: git failed: ${error.message}`, { place, cause: error });
  }
}

function linksOf(deps: BaselineDeps): { links?: LinkPolicy } {
  return deps.links ? { links: deps.links } : {};
}
