import { rm } from 'node:fs/promises';
import { expandBraces } from '../data/brace-globs.js';
import { resolveSource, type DataSource } from '../data/source.js';
import { predictionsBaseline } from '../baseline/predictions-source.js';
import type { BaselineSpec } from '../baseline/spec.js';
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
        options.task ? { task: options.task } : {},
      );
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
