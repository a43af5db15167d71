import path from 'node:path';
import { parseBaselineSpec } from '../baseline/spec.js';
import { readGitHistory } from '../baseline/history.js';
import { resolveBaseline } from '../baseline/resolve.js';
import { expandPatterns } from '../files/glob.js';
import { evaluateGate } from '../gate/evaluate.js';
import { historyCharts } from '../gate/history-chart.js';
import { buildGateReport } from '../gate/report.js';
import { loadMetricsFile } from '../metrics/load.js';
import type { CommandDeps, CommandResult, Inputs } from './types.js';
import { allInOrder } from '../async/in-order.js';

export interface QualityGateInputs {
  metrics: string[];
  baseline?: string;
  rules?: string;
  reportKey: string;
  history: number;
}

export function qualityGateInputs(inputs: Inputs): QualityGateInputs {
  return {
    metrics: (inputs.metrics as string[] | undefined) ?? [],
    baseline: inputs.baseline as string | undefined,
    rules: inputs.rules as string | undefined,
    reportKey: (inputs['report-key'] as string | undefined) ?? 'quality-gate',
    history: Math.max(0, Math.floor((inputs.history as number | undefined) ?? 0)),
  };
}

export async function runQualityGate(inputs: Inputs, deps: CommandDeps): Promise<CommandResult> {
  const options = qualityGateInputs(inputs);
  const cwd = deps.run.cwd;
  const files = await expandPatterns(options.metrics, cwd, 'metrics');
  const spec = parseBaselineSpec(options.baseline);
  const [candidates, rules] = await Promise.all([
    allInOrder(
      files.map((file) => loadMetricsFile(path.resolve(cwd, file), { displayPath: file })),
    ),
    options.rules
      ? // The rules parser pulls in the YAML library: load it only when there are rules.
        import('../gate/rules.js').then(({ loadRules }) =>
          loadRules(path.resolve(cwd, options.rules!), options.rules),
        )
      : undefined,
  ]);
  const baseline = await resolveBaseline(spec, files, deps);
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
  const report = buildGateReport(result, { key: options.reportKey, ...(rules ? { rules } : {}) });
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
