import { rm } from 'node:fs/promises';
import { expandBraces } from '../data/brace-globs.js';
import { resolveSource, type DataSource } from '../data/source.js';
import { predictionsBaseline } from '../baseline/predictions-source.js';
import type { BaselineSpec } from '../baseline/spec.js';
import type { RuleSet } from '../gate/model.js';
import { loadPredictions } from '../predictions/read.js';
import {
  describePredictionKeys,
  judgePredictions,
  predictionKeys,
  suggestPredictionKey,
} from '../predictions/judge.js';
import { matchesAny, refuseUnmatchedNames } from '../gate/rule-coverage.js';
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
  /** With `--metrics` too: the metrics files' names (a rule may match them instead) and how to list them. */
  beside?: { names: ReadonlySet<string>; describe: string },
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
    const baseline = await predictionsBaseline(
      options['baseline-predictions'],
      spec,
      given,
      candidate,
      deps,
      scratch,
    );
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
        {
          ...(options.task ? { task: options.task } : {}),
          ...(options['positive-class'] !== undefined
            ? { positiveClass: options['positive-class'] }
            : {}),
        },
      );
      const keys = predictionKeys(loaded);
      if (rules) {
        // A rule that matches no metric is a typo, refused before any resampling (as `--metrics` does).
        refuseUnmatchedNames(
          new Set([...keys, ...(beside?.names ?? [])]),
          rules,
          `${describePredictionKeys(loaded)}${beside ? `; ${beside.describe}` : ''}`,
          (pattern) => suggestPredictionKey(pattern, keys),
        );
      }
      const judged = judgePredictions(loaded, rules, {
        resamples: options['bootstrap-resamples'],
        seed: options.seed,
        confidence: options.confidence,
        minSliceSize: options['min-slice-size'],
      });
      const report = buildPredictionsReport(loaded, judged, {
        candidate: candidate.label,
        baseline: baseline.label,
      });
      // `required: true` and nothing matches: a failed verdict, as `--metrics` makes it (with
      // metrics files too, the metrics gate says it once).
      const missing = beside
        ? []
        : (rules?.rules ?? []).filter((r) => r.required === true && !matchesAny(r.pattern, keys));
      for (const rule of missing) {
        report.failed.push(rule.pattern);
        report.tests.push({
          suite: 'predictions',
          name: rule.pattern,
          status: 'fail',
          message: `no prediction metric matches ${rule.pattern} (required)`,
          file: candidate.label,
        });
        report.notes.push({
          level: 'error',
          text: `The rule ${rule.pattern} is required, but no prediction metric matches it.`,
          ...(rule.place ? { place: rule.place } : {}),
        });
      }
      if (missing.length > 0)
        report.summary = `${missing.length === 1 ? 'a required rule matches' : `${missing.length} required rules match`} no prediction metric; ${report.summary}`;
      if (baseline.provenance) {
        report.sections.push({
          title: 'Where the baseline predictions came from',
          blocks: [{ type: 'list', items: [baseline.provenance] }],
        });
      }
      return report;
    } finally {
      await engine.close();
    }
  } finally {
    for (const folder of scratch) await rm(folder, { recursive: true, force: true });
  }
}
