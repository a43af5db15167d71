/**
 * Metrics from a model registry (`mlflow:<model>@<alias>`, `mlflow:<model>/<version>`,
 * `mlflow:runs:/<run_id>`), for either side of the gate: the version's logged model's metrics
 * (MLflow 3) or its run's, with where they came from (links to the registry's UI) and, for a
 * version, the model's earlier versions as the history chart.
 */
import { InfraError, UsageError } from '../errors.js';
import type { MetricValue } from '../metrics/model.js';
import type { ModelRegistry, ModelVersionRef, RegistryMetrics } from '../ports.js';
import type { Inline } from '../report/model.js';
import type { HistoryPoint } from './history.js';
import type { BaselineDeps } from './resolve.js';
import { describeMlflowRef, printable, type CommitRunRef, type MlflowRef } from './spec.js';

export interface RegistryRead {
  /** How the report names it: `churn@champion (version 3)`, `run 3f9e0a1`. */
  label: string;
  values: Map<string, MetricValue>;
  notes: string[];
  /** `version 3 of churn (logged model m-…, run …)`, with links where the registry has a UI. */
  provenance: Inline[];
  /** The version read, when the reference named one (write-back tags it). */
  version?: ModelVersionRef;
  /** The model's earlier versions and this one (or a run's steps), as chart points for a file. */
  history?: (file: string) => (count: number) => Promise<HistoryPoint[]>;
  /** What the history's points are: `versions` or `steps`. */
  historyUnit?: 'versions' | 'steps';
}

function numberValues(values: ReadonlyMap<string, number>): Map<string, MetricValue> {
  return new Map(
    [...values].map(([key, value]) => [
      key,
      { kind: 'number' as const, value, text: String(value) },
    ]),
  );
}

/** The registry, or a UsageError saying how to configure one. */
export function requireRegistry(
  registry: ModelRegistry | undefined,
  named: string,
  key: string,
): ModelRegistry {
  if (registry) return registry;
  throw new UsageError(`${key} ${named} needs an MLflow tracking server, and none is configured`, {
    place: { key: 'MLFLOW_TRACKING_URI' },
    hint: 'set MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD if it asks)',
  });
}

export async function readRegistryRef(
  ref: MlflowRef,
  maybeRegistry: ModelRegistry | undefined,
  key: 'baseline' | 'metrics',
): Promise<RegistryRead> {
  const named = `\`mlflow:${printable(describeMlflowRef(ref))}\``;
  const registry = requireRegistry(maybeRegistry, named, key);
  try {
    if ('runId' in ref) {
      if (!registry.readRun) {
        throw new UsageError(`${key} ${named}: ${registry.name} cannot read runs`, {
          place: { key },
          hint: 'name a registered model version instead: `mlflow:<model>/<version>`',
        });
      }
      const run = await registry.readRun(ref.runId);
      if (!run) {
        throw new UsageError(`${key} ${named}: ${registry.name} has no run \`${ref.runId}\``, {
          place: { key },
          hint: 'check the run id (the MLflow UI shows it on the run page)',
        });
      }
      requireValues(run, named, key, registry);
      const short = ref.runId.slice(0, 7);
      const curve = registry.metricHistory?.bind(registry);
      return {
        label: `run ${short}`,
        historyUnit: 'steps' as const,
        ...(curve
          ? {
              history: (file: string) => (count: number) =>
                runHistory(curve, ref.runId, run.values, file, count),
            }
          : {}),
        values: numberValues(run.values),
        notes: [],
        provenance: [
          ...linked(`run ${run.runName ? `${run.runName} (${ref.runId})` : ref.runId}`, run.url),
          ` in ${registry.name}`,
        ],
      };
    }
    const version = await requireVersion(ref, registry, key, named);
    const metrics = await registry.readMetrics(version);
    requireValues(metrics, named, key, registry);
    const label =
      'alias' in ref
        ? `${ref.model}@${ref.alias} (version ${version.version})`
        : `${ref.model} version ${version.version}`;
    const earlier = registry.earlierVersions?.bind(registry);
    return {
      label,
      values: numberValues(metrics.values),
      notes: version.note ? [version.note] : [],
      provenance: [
        ...linked(`version ${version.version} of ${version.model}`, version.url),
        ' (metrics of ',
        ...linked(metrics.source, metrics.url),
        ...(metrics.runId && !metrics.source.includes(metrics.runId)
          ? [`, run ${metrics.runId}`]
          : []),
        `) in ${registry.name}`,
      ],
      version,
      ...(earlier
        ? {
            history: (file: string) => async (count: number) => {
              const older = await earlier(version, Math.max(0, count - 1));
              const points: HistoryPoint[] = [];
              for (const each of older) {
                const read = await registry.readMetrics(each).catch(() => undefined);
                points.push({
                  label: `v${each.version}`,
                  sets: [read ? { file, values: numberValues(read.values) } : undefined],
                });
              }
              points.push({
                label: `v${version.version}`,
                sets: [{ file, values: numberValues(metrics.values) }],
              });
              return points;
            },
          }
        : {}),
    };
  } catch (error) {
    if (error instanceof UsageError || error instanceof InfraError) throw error;
    throw new InfraError(`cannot read ${named} from ${registry.name}`, { cause: error });
  }
}

/** The version an alias or version number names; exit 2 naming what is missing. */
export async function requireVersion(
  ref: { model: string; alias: string } | { model: string; version: string },
  registry: ModelRegistry,
  key: string,
  named: string,
): Promise<ModelVersionRef> {
  const version =
    'alias' in ref
      ? await registry.resolveAlias(ref.model, ref.alias)
      : await registry.getVersion(ref.model, ref.version);
  if (version) return version;
  const missing =
    'alias' in ref
      ? `no alias \`${printable(ref.alias)}\` on registered model \`${printable(ref.model)}\``
      : `no version ${printable(ref.version)} of registered model \`${printable(ref.model)}\``;
  throw new UsageError(`${key} ${named}: ${registry.name} has ${missing}`, {
    place: { key },
    hint:
      'alias' in ref
        ? "check the model name and alias (the MLflow UI lists a model's aliases), or set the alias first"
        : 'check the model name and version (the MLflow UI lists the versions of a registered model)',
  });
}

function requireValues(
  metrics: RegistryMetrics,
  named: string,
  key: string,
  registry: ModelRegistry,
): void {
  if (metrics.values.size > 0) return;
  throw new UsageError(
    `${key} ${named}: ${registry.name} holds no metrics for it (read from ${metrics.source})`,
    {
      place: { key },
      hint: 'log the evaluation metrics on the run (mlflow.log_metrics) or on the logged model (model_id=…)',
    },
  );
}

/** Keys whose curves are read for a run's chart: the chart shows at most a few. */
const HISTORY_KEYS = 20;

/** A run's training curves as chart points, one per step (the last `count` steps). */
async function runHistory(
  curve: NonNullable<ModelRegistry['metricHistory']>,
  runId: string,
  values: ReadonlyMap<string, number>,
  file: string,
  count: number,
): Promise<HistoryPoint[]> {
  const byStep = new Map<number, Map<string, number>>();
  for (const key of [...values.keys()].slice(0, HISTORY_KEYS)) {
    for (const { step, value } of await curve(runId, key)) {
      const at = byStep.get(step) ?? new Map<string, number>();
      at.set(key, value);
      byStep.set(step, at);
    }
  }
  return [...byStep]
    .sort(([a], [b]) => a - b)
    .slice(-count)
    .map(([step, at]) => ({ label: `step ${step}`, sets: [{ file, values: numberValues(at) }] }));
}

export function linked(text: string, href: string | undefined): Inline[] {
  return href ? [{ link: text, href }] : [text];
}

/** The most runs listed when several match a commit. */
const COMMIT_MATCHES = 5;

/**
 * The one active run of an experiment tagged with a commit (`mlflow:commit:<experiment>`):
 * the commit given, else the one this CI run builds (the pull/merge request's head, the CI's
 * commit, else the working copy's HEAD). None or several is exit 2 naming the experiment and
 * the commit.
 */
export async function findCommitRun(
  ref: CommitRunRef,
  deps: Pick<BaselineDeps, 'modelRegistry' | 'run' | 'git'>,
  key: string,
): Promise<{ runId: string; note: string }> {
  const named = `\`mlflow:commit:${printable(ref.experiment)}${ref.commit ? `@${ref.commit}` : ''}\``;
  const registry = requireRegistry(deps.modelRegistry, named, key);
  if (!registry.findRunsByCommit) {
    throw new UsageError(`${key} ${named}: ${registry.name} cannot search runs`, {
      place: { key },
      hint: 'name the run: `mlflow:runs:/<run_id>`',
    });
  }
  const run = deps.run;
  let commit = ref.commit ?? run.changeRequest?.headSha ?? run.commit?.sha;
  if (!commit) {
    // `git merge-base HEAD HEAD` is HEAD's full SHA.
    commit = await deps.git.mergeBase('HEAD', 'HEAD').catch((error: unknown) => {
      throw new UsageError(`${key} ${named}: this job names no commit, and git cannot read HEAD`, {
        place: { key },
        hint: 'run in a git checkout, or name the commit: `mlflow:commit:<experiment>@<sha>`',
        cause: error,
      });
    });
  }
  const runs = await registry.findRunsByCommit(ref.experiment, commit, COMMIT_MATCHES + 1);
  const where = `experiment \`${printable(ref.experiment)}\` of ${registry.name}`;
  if (runs === undefined) {
    throw new UsageError(`${key} ${named}: there is no ${where}`, {
      place: { key },
      hint: 'check the experiment name (mlflow.set_experiment; the MLflow UI lists experiments)',
    });
  }
  if (runs.length === 0) {
    throw new UsageError(
      `${key} ${named}: no active run of ${where} is tagged with commit ${commit}`,
      {
        place: { key },
        hint: 'train from this commit in a git checkout (MLflow tags the run `mlflow.source.git.commit`), or set that tag on the run',
      },
    );
  }
  if (runs.length > 1) {
    const listed = runs
      .slice(0, COMMIT_MATCHES)
      .map((each) => each.runId)
      .join(', ');
    throw new UsageError(
      `${key} ${named}: ${runs.length > COMMIT_MATCHES ? `more than ${COMMIT_MATCHES}` : runs.length} active runs of ${where} are tagged with commit ${commit} (${listed})`,
      {
        place: { key },
        hint: 'name the one to gate: `mlflow:runs:/<run_id>` (or delete the runs that should not count)',
      },
    );
  }
  const found = runs[0]!;
  return {
    runId: found.runId,
    note: `The candidate is run ${found.runId} of experiment ${ref.experiment}, the one tagged with commit ${commit.slice(0, 12)}.`,
  };
}
