import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { expandBraces } from '../data/brace-globs.js';
import { resolveSource, type DataSource } from '../data/source.js';
import { refProblem } from '../baseline/git-errors.js';
import { printable, type BaselineSpec } from '../baseline/spec.js';
import type { RuleSet } from '../gate/model.js';
import { loadPredictions } from '../predictions/read.js';
import { judgePredictions } from '../predictions/judge.js';
import { buildPredictionsReport, type PredictionsReport } from '../predictions/report.js';
import { openEngine } from './data-engine.js';
import type { CommandDeps } from './types.js';
import type { QualityGateInputs } from './quality-gate.js';

/**
 * `quality-gate --predictions`: the candidate's per-example predictions against the baseline's
 * on the same ids, read by the SQL engine shut in with the two files.
 */
export async function comparePredictionFiles(
  options: QualityGateInputs,
  spec: BaselineSpec,
  rules: RuleSet | undefined,
  deps: CommandDeps,
): Promise<PredictionsReport> {
  const cwd = deps.run.cwd;
  const links = { root: cwd, followOutside: options['follow-links-outside'] };
  const given = (options.predictions ?? []).map((p) => p.trim()).filter((p) => p !== '');
  const csv = { header: true };
  const candidate: DataSource = {
    ...(await resolveSource(given.flatMap(expandBraces), cwd, csv, 'predictions')),
    links,
  };
  const scratch: string[] = [];
  try {
    const baseline = await baselineSource(options, spec, given, candidate, deps, scratch);
    const engine = await openEngine(deps);
    try {
      const loaded = await loadPredictions(
        engine,
        candidate,
        { ...baseline.source, links },
        {
          id: options['id-column'],
          label: options['label-column'],
          prediction: options['prediction-column'],
          ...(options['score-column'] ? { score: options['score-column'] } : {}),
          slices: (options['slice-columns'] ?? []).map((s) => s.trim()).filter((s) => s !== ''),
        },
        options.task ? { task: options.task } : {},
      );
      const judged = judgePredictions(loaded, rules, {
        resamples: options['bootstrap-resamples'],
        seed: options.seed,
        confidence: options.confidence,
        minSliceSize: options['min-slice-size'],
      });
      return buildPredictionsReport(loaded, judged, {
        candidate: candidate.label,
        baseline: baseline.label,
      });
    } finally {
      await engine.close();
    }
  } finally {
    for (const folder of scratch) await rm(folder, { recursive: true, force: true });
  }
}

/** The baseline's predictions: a file, or the candidate's file at a git ref. */
async function baselineSource(
  options: QualityGateInputs,
  spec: BaselineSpec,
  given: readonly string[],
  candidate: DataSource,
  deps: CommandDeps,
  scratch: string[],
): Promise<{ source: DataSource; label: string }> {
  const written = options['baseline-predictions']?.trim();
  let ref: string | undefined;
  let refLabel: string | undefined;
  if (written && written.startsWith('git:')) {
    ref = written.slice('git:'.length).trim();
    const problem = refProblem(ref);
    if (ref === '' || problem)
      throw new UsageError(
        `baseline-predictions \`${printable(written)}\`: the ref ${problem ?? 'is empty'}`,
        {
          place: { key: 'baseline-predictions' },
          hint: 'name a branch, tag or commit, e.g. `git:origin/main`',
        },
      );
    refLabel = ref;
  } else if (written) {
    const source = await resolveSource(
      expandBraces(written),
      deps.run.cwd,
      { header: true },
      'baseline-predictions',
    );
    return { source, label: written };
  } else if (spec.kind === 'git') {
    ref = spec.ref;
    refLabel = spec.ref;
  } else if (spec.kind === 'auto' && deps.run.changeRequest) {
    const change = deps.run.changeRequest;
    const target = change.baseSha ?? `origin/${change.baseRef}`;
    ref = await deps.git.mergeBase('HEAD', target).catch((error: unknown) => {
      throw new UsageError(
        `cannot find the merge base of HEAD and ${change.baseRef} (${target}) for the baseline predictions`,
        {
          place: { key: 'baseline-predictions' },
          hint: 'fetch the target branch history, or give `baseline-predictions: <file>`',
          cause: error,
        },
      );
    });
    refLabel = `${change.baseRef}@${ref.slice(0, 7)}`;
  } else {
    throw new UsageError("`predictions` needs the baseline model's predictions to compare with", {
      place: { key: 'baseline-predictions' },
      hint: 'give `baseline-predictions: <file>` or `git:<ref>`, or `baseline: git:<ref>` to read the same file at that ref',
    });
  }
  if (given.length !== 1 || candidate.paths.length !== 1 || /[*?[\]{}]/.test(given[0]!))
    throw new UsageError(
      'a git baseline of predictions reads one file: `predictions` names several, a glob or a folder',
      {
        place: { key: 'baseline-predictions' },
        hint: 'give one predictions file, or `baseline-predictions: <file>`',
      },
    );
  const file = given[0]!;
  const absolute = path.resolve(deps.run.cwd, file);
  let bytes: Buffer | undefined;
  try {
    const inRepo = await deps.git.repoRelative(absolute);
    bytes = await deps.git.readFileAt(ref, inRepo);
  } catch (error) {
    throw new UsageError(`cannot read ${file} at git ref \`${printable(ref)}\``, {
      place: { key: 'baseline-predictions' },
      hint: 'check that the ref exists in this clone (fetch it, or use `fetch-depth: 0`), or give `baseline-predictions: <file>`',
      cause: error,
    });
  }
  if (bytes === undefined)
    throw new UsageError(
      `${file} does not exist at git ref \`${printable(ref)}\`: no baseline predictions`,
      {
        place: { file, key: 'baseline-predictions' },
        hint: "commit the baseline model's predictions there, or give `baseline-predictions: <file>`",
      },
    );
  const temp = deps.folders?.temp;
  if (!temp) throw new Error('quality-gate needs deps.folders for a git baseline of predictions');
  const folder = await mkdtemp(path.join(temp, 'sluice-predictions-'));
  scratch.push(folder);
  const copy = path.join(folder, path.basename(file));
  await writeFile(copy, bytes);
  const source = await resolveSource([copy], folder, { header: true }, 'baseline-predictions');
  const label = `${file}@${refLabel}`;
  return { source: { ...source, label }, label };
}
