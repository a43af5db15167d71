import path from 'node:path';
import {
  describeBaselineSpec,
  describeMlflowRef,
  parseBaselineSpec,
  parseCommitRunRef,
  parseMlflowRef,
  printable,
  type BaselineSpec,
  type MlflowRef,
} from '../baseline/spec.js';
import {
  findCommitRun,
  readRegistryRef,
  requireRegistry,
  type RegistryRead,
} from '../baseline/registry.js';
import { UsageError } from '../errors.js';
import type { ModelVersionRef } from '../ports.js';
import type { Inline, Report } from '../report/model.js';
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
import type { PredictionsReport } from '../predictions/report.js';

/** quality-gate's inputs, typed by its definition. */
export type QualityGateInputs = InputsOf<typeof qualityGate>;

export async function runQualityGate(
  options: QualityGateInputs,
  deps: CommandDeps,
): Promise<CommandResult> {
  const cwd = deps.run.cwd;
  const links = { root: cwd, followOutside: options['follow-links-outside'] };
  const rulesFile = options.rules;
  const spec = parseBaselineSpec(options.baseline);
  const metrics = (options.metrics ?? []).filter((entry) => entry.trim() !== '');
  const predictions = (options.predictions ?? []).filter((entry) => entry.trim() !== '');
  if (metrics.length === 0 && predictions.length === 0) {
    throw new UsageError('quality-gate needs `metrics` or `predictions`', {
      place: { key: 'metrics' },
      hint: 'give the candidate metrics files (`--metrics metrics.json`), or per-example predictions (`--predictions predictions.csv`)',
    });
  }
  if (metrics.length === 0) return predictionsOnly(options, spec, deps);
  const fromRegistry = await registryCandidate(metrics, spec, deps);
  const files = fromRegistry
    ? [`mlflow:${describeMlflowRef(fromRegistry.ref)}`]
    : await expandPatterns(metrics, cwd, 'metrics');
  const candidateRead = fromRegistry
    ? await readRegistryRef(fromRegistry.ref, deps.modelRegistry, 'metrics')
    : undefined;
  if (candidateRead && fromRegistry?.note) candidateRead.notes.unshift(fromRegistry.note);
  const [candidates, rules] = await Promise.all([
    candidateRead
      ? [{ file: files[0]!, values: candidateRead.values }]
      : allInOrder(
          files.map((file) =>
            loadMetricsFile(path.resolve(cwd, file), { displayPath: file, links }),
          ),
        ),
    rulesFile
      ? // The rules parser pulls in the YAML library: load it only when there are rules.
        import('../gate/rules.js').then(({ loadRules }) =>
          loadRules(path.resolve(cwd, rulesFile), rulesFile, links),
        )
      : undefined,
  ]);
  const baseline = await resolveBaseline(spec, files, { ...deps, links });
  // Predictions beside metrics files: a rule must match a metric of one or the other.
  let compared: PredictionsReport | undefined;
  if (predictions.length > 0) {
    const names = new Set<string>();
    for (const set of [...candidates, ...baseline.sets])
      if (set) for (const name of set.values.keys()) names.add(name);
    const shown = [...names];
    compared = await (
      await loadPredictions()
    ).comparePredictionFiles(options, spec, rules, deps, {
      names,
      describe: `metrics files: ${shown.slice(0, 8).join(', ')}${shown.length > 8 ? ', …' : ''}`,
    });
  }
  const result = evaluateGate(
    candidates,
    baseline.sets,
    rules,
    baseline.label,
    compared ? { names: compared.keys, describe: compared.keysText } : undefined,
  );
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
  const provenance = [
    ...(candidateRead ? [[{ strong: 'Candidate' }, ': ', ...candidateRead.provenance]] : []),
    ...(baseline.provenance ? [baseline.provenance] : []),
  ] satisfies Inline[][];
  if (provenance.length > 0) {
    report.sections.push({
      title: 'Where the metrics came from',
      blocks: [{ type: 'list', items: provenance }],
    });
  }
  report.notes.push(
    ...(candidateRead?.notes ?? []).map((text) => ({ level: 'info' as const, text })),
  );
  if (baseline.history && !baseline.gitRef && options.history > 0) {
    // The registry's earlier versions: a courtesy like git history, never failing the gate.
    const history = await baseline.history(options.history).catch(() => []);
    const charts = historyCharts(result, history, candidates);
    if (charts.length > 0) {
      report.sections.push({
        title: `History (last ${history.length} ${baseline.historyUnit ?? 'versions'} of ${baseline.label})`,
        blocks: charts,
      });
    }
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
  if (compared) mergePredictions(report, compared);
  const tagTarget = options['mlflow-tag-version'];
  if (tagTarget !== undefined) {
    const changed = await tagGateVerdict(tagTarget, candidateRead, report, deps);
    report.notes.push({ level: 'info', text: changed });
  }
  return { report };
}

/**
 * The per-example comparison, loaded only when predictions are given: its DuckDB, bootstrap and
 * report code must not weigh on the cold start of every metrics-only gate (`npm run bench`).
 */
const loadPredictions = () => import('./quality-gate-predictions.js');

/** `--predictions` alone: the report is the per-example comparison's. */
async function predictionsOnly(
  options: QualityGateInputs,
  spec: BaselineSpec,
  deps: CommandDeps,
): Promise<CommandResult> {
  const cwd = deps.run.cwd;
  const links = { root: cwd, followOutside: options['follow-links-outside'] };
  const rulesFile = options.rules;
  const rules = rulesFile
    ? await import('../gate/rules.js').then(({ loadRules }) =>
        loadRules(path.resolve(cwd, rulesFile), rulesFile, links),
      )
    : undefined;
  const compared = await (
    await loadPredictions()
  ).comparePredictionFiles(options, spec, rules, deps);
  const report: Report = {
    command: 'quality-gate',
    key: options['report-key'],
    title: 'Quality gate',
    verdict: compared.failed.length > 0 ? 'fail' : 'pass',
    summary: compared.summary,
    notes: compared.notes,
    sections: compared.sections,
    tests: compared.tests,
    measurements: compared.measurements,
    outputs: {
      passed: String(compared.failed.length === 0),
      'failed-metrics': compared.failed.join(','),
    },
    data: { verdict: compared.failed.length > 0 ? 'fail' : 'pass', predictions: compared.data },
  };
  if (options['mlflow-tag-version'] !== undefined) {
    const changed = await tagGateVerdict(options['mlflow-tag-version'], undefined, report, deps);
    report.notes.push({ level: 'info', text: changed });
  }
  return { report };
}

/** Metrics files and predictions in one run: one verdict, both sets of sections. */
function mergePredictions(report: Report, compared: PredictionsReport): void {
  report.sections.push(...compared.sections);
  report.notes.push(...compared.notes);
  report.tests.push(...compared.tests);
  report.measurements.push(...compared.measurements);
  report.summary = `${report.summary}; ${compared.summary}`;
  if (compared.failed.length > 0) {
    report.verdict = 'fail';
    report.data['verdict'] = 'fail';
    report.outputs['passed'] = 'false';
    const failed = report.outputs['failed-metrics'];
    report.outputs['failed-metrics'] = [failed, ...compared.failed].filter((f) => f).join(',');
  }
  report.data['predictions'] = compared.data;
}

/**
 * `--metrics mlflow:…`: one MLflow run or version as the candidate (never mixed with files);
 * `mlflow:commit:<experiment>` finds the run by the commit this job builds.
 */
async function registryCandidate(
  metrics: readonly string[],
  baseline: BaselineSpec,
  deps: CommandDeps,
): Promise<{ ref: MlflowRef; note?: string } | undefined> {
  const entries = metrics.map((entry) => entry.trim()).filter((entry) => entry !== '');
  const mlflow = entries.filter((entry) => entry.startsWith('mlflow:'));
  if (mlflow.length === 0) return undefined;
  if (entries.length !== 1) {
    throw new UsageError('`metrics` names an MLflow run or version beside other candidates', {
      place: { key: 'metrics' },
      hint: 'gate one MLflow run or version at a time, or only metrics files',
    });
  }
  // A git baseline (and `auto`, which is one) is found by the candidate's path: a run has none.
  if (baseline.kind === 'git' || baseline.kind === 'auto') {
    throw new UsageError(
      `\`metrics: ${printable(entries[0]!)}\` comes from MLflow, so the baseline cannot come from git (\`baseline: ${describeBaselineSpec(baseline)}\`)`,
      {
        place: { key: 'baseline' },
        hint: 'compare with `mlflow:<model>@<alias>`, `mlflow:runs:/<run_id>`, `file:<path>` or `none`',
      },
    );
  }
  const rest = entries[0]!.slice('mlflow:'.length);
  const byCommit = parseCommitRunRef(rest, 'metrics');
  if (byCommit) {
    const found = await findCommitRun(byCommit, deps, 'metrics');
    return { ref: { runId: found.runId }, note: found.note };
  }
  return { ref: parseMlflowRef(rest, 'metrics') };
}

const TAG_FORM = /^(.+)\/([0-9]{1,12})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Tags the gated model version with the verdict; returns what it changed, for the report. */
async function tagGateVerdict(
  target: string,
  candidate: RegistryRead | undefined,
  report: Report,
  deps: CommandDeps,
): Promise<string> {
  let version: ModelVersionRef | undefined;
  const text = target.trim();
  if (text === 'candidate') {
    version = candidate?.version;
    if (!version) {
      throw new UsageError(
        '`mlflow-tag-version: candidate` needs the candidate to be an MLflow model version',
        {
          place: { key: 'mlflow-tag-version' },
          hint: 'give `metrics: mlflow:<model>/<version>`, or name the version: `mlflow-tag-version: <model>/<version>`',
        },
      );
    }
  } else {
    const match = TAG_FORM.exec(text);
    if (!match || CONTROL.test(text)) {
      throw new UsageError(`\`mlflow-tag-version: ${printable(text)}\` names no model version`, {
        place: { key: 'mlflow-tag-version' },
        hint: 'write it as `<registered model>/<version>`, e.g. `churn/7`, or `candidate`',
      });
    }
    const registry = requireRegistry(
      deps.modelRegistry,
      `\`${printable(text)}\``,
      'mlflow-tag-version',
    );
    version = await registry.getVersion(match[1]!, match[2]!);
    if (!version) {
      throw new UsageError(
        `\`mlflow-tag-version: ${printable(text)}\`: ${registry.name} has no version ${match[2]!} of \`${printable(match[1]!)}\``,
        { place: { key: 'mlflow-tag-version' }, hint: 'check the model name and version' },
      );
    }
  }
  const registry = requireRegistry(deps.modelRegistry, 'tagging', 'mlflow-tag-version');
  const run = deps.run;
  const change = run.changeRequest;
  const changeUrl =
    change && run.repositoryUrl
      ? run.platform === 'gitlab'
        ? `${run.repositoryUrl}/-/merge_requests/${change.number}`
        : `${run.repositoryUrl}/pull/${change.number}`
      : undefined;
  const commit = change?.headSha ?? run.commit?.sha;
  const reportUrl = report.fullReportUrl ?? run.runUrl;
  const failing = report.verdict === 'fail';
  const tags: Record<string, string> = {
    'sluice.gate': failing ? 'failed' : 'passed',
    // Which metrics failed, so the registry shows why; a later pass removes it (below).
    ...(failing ? { [FAILED_TAG]: failedList(report.outputs['failed-metrics'] ?? '') } : {}),
    ...(reportUrl ? { 'sluice.report-url': reportUrl } : {}),
    ...(changeUrl ? { 'sluice.change-url': changeUrl } : {}),
    ...(commit ? { 'sluice.commit': commit } : {}),
  };
  await registry.tagVersion(version, tags);
  const list = Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  let removed = '';
  const stale = version.tags?.[FAILED_TAG];
  if (!failing && stale !== undefined) {
    // A version's tags never show failures that no longer hold.
    if (!registry.untagVersion) {
      return `Tagged version ${version.version} of ${version.model} in ${registry.name}: ${list}; its ${FAILED_TAG}=${stale} from an earlier gate stays (${registry.name} cannot remove tags).`;
    }
    await registry.untagVersion(version, FAILED_TAG);
    removed = `; removed ${FAILED_TAG}=${stale} (an earlier gate's failures, which no longer hold)`;
  }
  return `Tagged version ${version.version} of ${version.model} in ${registry.name}: ${list}${removed}.`;
}

/** The tag naming the metrics a failing gate failed on (`accuracy,auc`). */
const FAILED_TAG = 'sluice.gate.failed';
/** Well inside MLflow's bound on a tag value (5,000 characters). */
const FAILED_TAG_MAX = 1000;

/** `accuracy,auc`, cut at whole names within the bound (`,… (+3 more)`). */
function failedList(failed: string): string {
  const names = failed.split(',').filter((name) => name !== '');
  if (names.length === 0) return '(see sluice.report-url)';
  let text = '';
  for (const [index, name] of names.entries()) {
    const next = text ? `${text},${name}` : name;
    const more = names.length - index;
    if (next.length > FAILED_TAG_MAX - 20) return `${text},… (+${more} more)`;
    text = next;
  }
  return text;
}
