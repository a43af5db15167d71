/**
 * Where the baseline's per-example predictions come from (`baseline-predictions`, else the
 * `baseline`'s source): a file, the candidate's file at a git ref, or a file logged as an
 * artifact of an MLflow run (the run of the version behind an alias, of a version, or a run).
 * One parser for every form: parsePredictionsBaseline (spec.ts).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { expandBraces } from '../data/brace-globs.js';
import { resolveSource, type DataSource } from '../data/source.js';
import type { CommandDeps } from '../commands/types.js';
import type { Inline } from '../report/model.js';
import { linked, requireRegistry, requireVersion } from './registry.js';
import {
  describeMlflowRef,
  parsePredictionsBaseline,
  printable,
  type BaselineSpec,
  type MlflowRef,
  type PredictionsBaselineSpec,
} from './spec.js';

const KEY = 'baseline-predictions';

/** The largest predictions artifact downloaded from MLflow (about 20 M rows of CSV). */
const PREDICTIONS_ARTIFACT_MAX_BYTES = 1024 * 1024 * 1024;

export interface PredictionsBaseline {
  source: DataSource;
  /** How the report names it: `predictions.csv@main`, `churn@champion (version 3): preds.csv`. */
  label: string;
  /** Where it came from, with links (MLflow: the run, the version and the alias). */
  provenance?: Inline[];
}

/**
 * The baseline's predictions. `given` are the candidate's `predictions` entries and `candidate`
 * their source; folders made for copies go in `scratch` (the caller removes them).
 */
export async function predictionsBaseline(
  written: string | undefined,
  spec: BaselineSpec,
  given: readonly string[],
  candidate: DataSource,
  deps: CommandDeps,
  scratch: string[],
): Promise<PredictionsBaseline> {
  const chosen = chooseSource(written, spec, deps.run.changeRequest);
  if (chosen.kind === 'file') {
    const source = await resolveSource(
      expandBraces(chosen.path),
      deps.run.cwd,
      { header: true },
      KEY,
    );
    return { source, label: chosen.path };
  }
  if (chosen.kind === 'mlflow') {
    return fromRegistry(chosen.ref, chosen.artifact, given, candidate, deps, scratch);
  }
  let ref: string;
  let refLabel: string;
  if (chosen.kind === 'git') {
    ref = chosen.ref;
    refLabel = chosen.ref;
  } else {
    const change = chosen.change;
    const target = change.baseSha ?? `origin/${change.baseRef}`;
    ref = await deps.git.mergeBase('HEAD', target).catch((error: unknown) => {
      throw new UsageError(
        `cannot find the merge base of HEAD and ${change.baseRef} (${target}) for the baseline predictions`,
        {
          place: { key: KEY },
          hint: 'fetch the target branch history, or give `baseline-predictions: <file>`',
          cause: error,
        },
      );
    });
    refLabel = `${change.baseRef}@${ref.slice(0, 7)}`;
  }
  const file = oneFile(given, candidate, 'a git baseline of predictions reads one file');
  const absolute = path.resolve(deps.run.cwd, file);
  let bytes: Buffer | undefined;
  try {
    const inRepo = await deps.git.repoRelative(absolute);
    bytes = await deps.git.readFileAt(ref, inRepo);
  } catch (error) {
    throw new UsageError(`cannot read ${file} at git ref \`${printable(ref)}\``, {
      place: { key: KEY },
      hint: 'check that the ref exists in this clone (fetch it, or use `fetch-depth: 0`), or give `baseline-predictions: <file>`',
      cause: error,
    });
  }
  if (bytes === undefined)
    throw new UsageError(
      `${file} does not exist at git ref \`${printable(ref)}\`: no baseline predictions`,
      {
        place: { file, key: KEY },
        hint: "commit the baseline model's predictions there, or give `baseline-predictions: <file>`",
      },
    );
  const folder = await scratchFolder(deps, scratch);
  const copy = path.join(folder, path.basename(file));
  await writeFile(copy, bytes);
  const source = await resolveSource([copy], folder, { header: true }, KEY);
  const label = `${file}@${refLabel}`;
  return { source: { ...source, label }, label };
}

type Chosen =
  | PredictionsBaselineSpec
  | { kind: 'merge-base'; change: NonNullable<CommandDeps['run']['changeRequest']> };

/** `baseline-predictions` when given, else what `baseline` implies for the predictions file. */
function chooseSource(
  written: string | undefined,
  spec: BaselineSpec,
  change: CommandDeps['run']['changeRequest'],
): Chosen {
  const text = written?.trim();
  // `file:<path>` as `baseline` writes it; a bare path is a file too.
  if (text?.startsWith('file:')) return { kind: 'file', path: text.slice('file:'.length).trim() };
  if (text) return parsePredictionsBaseline(text);
  if (spec.kind === 'git') return { kind: 'git', ref: spec.ref };
  if (spec.kind === 'mlflow') return { kind: 'mlflow', ref: spec.ref };
  // `auto` on a pull/merge request: the file at the merge base with the target branch.
  if (spec.kind === 'auto' && change) return { kind: 'merge-base', change };
  throw new UsageError("`predictions` needs the baseline model's predictions to compare with", {
    place: { key: KEY },
    hint: 'give `baseline-predictions: <file>`, `git:<ref>` or `mlflow:<model>@<alias>[:<artifact path>]`, or `baseline: git:<ref>` to read the same file at that ref',
  });
}

function oneFile(given: readonly string[], candidate: DataSource, what: string): string {
  if (given.length !== 1 || candidate.paths.length !== 1 || /[*?[\]{}]/.test(given[0]!))
    throw new UsageError(`${what}: \`predictions\` names several files, a glob or a folder`, {
      place: { key: KEY },
      hint: 'give one predictions file, or `baseline-predictions: <file>`',
    });
  return given[0]!;
}

async function scratchFolder(deps: CommandDeps, scratch: string[]): Promise<string> {
  const temp = deps.folders?.temp;
  if (!temp)
    throw new Error('quality-gate needs deps.folders for a copied baseline of predictions');
  const folder = await mkdtemp(path.join(temp, 'sluice-predictions-'));
  scratch.push(folder);
  return folder;
}

/** The predictions file logged in the run of a model version (or a run), downloaded bounded. */
async function fromRegistry(
  ref: MlflowRef,
  artifactGiven: string | undefined,
  given: readonly string[],
  candidate: DataSource,
  deps: CommandDeps,
  scratch: string[],
): Promise<PredictionsBaseline> {
  const artifact =
    artifactGiven ??
    path.basename(
      oneFile(
        given,
        candidate,
        'without an artifact path, the MLflow baseline of predictions is the file named like the candidate',
      ),
    );
  const written =
    'runId' in ref ? `runs:/${ref.runId}/${artifact}` : `${describeMlflowRef(ref)}:${artifact}`;
  const named = `\`mlflow:${printable(written)}\``;
  const registry = requireRegistry(deps.modelRegistry, named, KEY);
  if (!registry.downloadArtifact) {
    throw new UsageError(`${KEY} ${named}: ${registry.name} cannot download run artifacts`, {
      place: { key: KEY },
      hint: 'download the predictions file yourself and give `baseline-predictions: <file>`',
    });
  }
  let runId: string;
  let label: string;
  const whose: Inline[] = [];
  if ('runId' in ref) {
    runId = ref.runId;
    label = `run ${runId.slice(0, 7)}`;
  } else {
    const version = await requireVersion(ref, registry, KEY, named);
    const fromRun = version.runId ?? (await registry.readMetrics(version)).runId;
    if (!fromRun) {
      throw new UsageError(
        `${KEY} ${named}: version ${version.version} of \`${printable(version.model)}\` has no run whose artifacts could hold its predictions`,
        {
          place: { key: KEY },
          hint: 'register versions from a run (mlflow.register_model), or name the run: `mlflow:runs:/<run_id>/<path>`',
        },
      );
    }
    runId = fromRun;
    label =
      'alias' in ref
        ? `${version.model}@${ref.alias} (version ${version.version})`
        : `${version.model} version ${version.version}`;
    whose.push(
      ' of ',
      ...linked(`version ${version.version} of ${version.model}`, version.url),
      ...('alias' in ref ? [` (alias ${ref.alias})`] : []),
    );
  }
  const run = registry.readRun ? await registry.readRun(runId) : undefined;
  if (registry.readRun && !run) {
    throw new UsageError(`${KEY} ${named}: ${registry.name} has no run \`${runId}\``, {
      place: { key: KEY },
      hint: 'check the run id (the MLflow UI shows it on the run page)',
    });
  }
  const folder = await scratchFolder(deps, scratch);
  const to = path.join(folder, path.basename(artifact));
  const got = await registry.downloadArtifact(runId, artifact, to, PREDICTIONS_ARTIFACT_MAX_BYTES);
  if (!got) {
    throw new UsageError(
      `${KEY} ${named}: run ${runId} in ${registry.name} has no artifact \`${printable(artifact)}\``,
      {
        place: { key: KEY },
        hint: `log the baseline's predictions with the run (${logCall(artifact)}), or name the artifact's path: \`mlflow:<model>@<alias>:<path>\` or \`mlflow:runs:/<run_id>/<path>\``,
      },
    );
  }
  const fullLabel = `${label}: ${artifact}`;
  const source = await resolveSource([to], folder, { header: true }, KEY);
  const runText = run?.runName ? `run ${run.runName} (${runId})` : `run ${runId}`;
  return {
    source: { ...source, label: fullLabel },
    label: fullLabel,
    provenance: [
      { strong: 'Baseline predictions' },
      ': ',
      { code: artifact },
      ' of ',
      ...linked(runText, run?.url),
      ...whose,
      ` in ${registry.name}`,
    ],
  };
}

/** The MLflow call that logs a file at `artifact` in a run, for the hint. */
function logCall(artifact: string): string {
  const folder = path.posix.dirname(artifact);
  const file = JSON.stringify(path.posix.basename(artifact));
  return folder === '.'
    ? `mlflow.log_artifact(${file})`
    : `mlflow.log_artifact(${file}, artifact_path=${JSON.stringify(folder)})`;
}
