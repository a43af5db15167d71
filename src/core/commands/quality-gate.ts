import path from 'node:path';
import { parseBaselineSpec } from '../baseline/spec.js';
import { readGitHistory } from '../baseline/history.js';
import { resolveBaseline } from '../baseline/resolve.js';
import { expandPatterns } from '../files/glob.js';
import { evaluateGate } from '../gate/evaluate.js';
import { historyCharts } from '../gate/history-chart.js';
import { buildGateReport } from '../gate/report.js';
import { loadMetricsFile } from '../metrics/load.js';
import type { qualityGate } from '../../inputs/quality-gate.js';
import type { InputsOf } from '../../inputs/types.js';
import type { CommandDeps, CommandResult } from './types.js';
import { allInOrder } from '../async/in-order.js';

/** quality-gate's inputs, typed by its definition. */
export type QualityGateInputs = InputsOf<typeof qualityGate>;

export async function runQualityGate(
  options: QualityGateInputs,
  deps: CommandDeps,
): Promise<CommandResult> {
  const cwd = deps.run.cwd;
  const links = { root: cwd, followOutside: options['follow-links-outside'] };
  const rulesFile = options.rules;
  const files = await expandPatterns(options.metrics, cwd, 'metrics');
  const spec = parseBaselineSpec(options.baseline);
  const [candidates, rules] = await Promise.all([
    allInOrder(
      files.map((file) => loadMetricsFile(path.resolve(cwd, file), { displayPath: file, links })),
    ),
    rulesFile
      ? // The rules parser pulls in the YAML library: load it only when there are rules.
        import('../gate/rules.js').then(({ loadRules }) =>
          loadRules(path.resolve(cwd, rulesFile), rulesFile, links),
        )
      : undefined,
  ]);
  const baseline = await resolveBaseline(spec, files, { ...deps, links });
  const result = evaluateGate(candidates, baseline.sets, rules, baseline.label);
  result.notes.unshift(...baseline.notes);
  // Each failed metric on the line of the rule it broke, where the forge shows annotations.
  for (const diff of result.diffs) {
    if (diff.status !== 'fail') continue;
    const rule = diff.rule ? ` (rule ${diff.rule})` : '';
    const why = diff.reasons.length > 0 ? `: ${diff.reasons.join('; ')}` : '';
    deps.logger.annotate?.(
      'error',
      `${diff.name} in ${diff.file} failed${rule}${why}`,
      diff.rulePlace,
    );
  }
  const report = buildGateReport(result, {
    key: options['report-key'],
    ...(rules ? { rules } : {}),
  });
  // A NaN or infinite value that no rule gates still deserves a look: it usually means a broken evaluation.
  const nonFinite = result.diffs.filter(
    (diff) =>
      diff.status !== 'fail' &&
      diff.candidate?.kind === 'number' &&
      !Number.isFinite(diff.candidate.value),
  );
  for (const diff of nonFinite) {
    report.notes.push({
      level: 'warning',
      text: `${diff.name} is ${diff.candidate?.kind === 'number' ? diff.candidate.text : ''} in ${diff.file}: no rule gates it, but any rule on it would fail.`,
    });
  }
  if (baseline.gitRef && options.history > 0) {
    const absolute = files.map((file) => path.resolve(cwd, file));
    // The trend is a courtesy beside the verdict: failing to read it never fails the gate.
    const history = await readGitHistory(
      deps.git,
      baseline.gitRef,
      files,
      absolute,
      options.history,
    ).catch(() => []);
    const charts = historyCharts(result, history, candidates);
    if (charts.length > 0) {
      report.sections.push({
        title: `History (last ${history.length} versions at ${baseline.label})`,
        blocks: charts,
      });
    }
  }
  return { report };
}
