import type { CommandDef } from './types.js';
import { REPORT_OUTPUT, forgeInputs, reportInputs, FOLLOW_LINKS_INPUT } from './shared.js';

export const qualityGate = {
  name: 'quality-gate',
  summary: 'Diff candidate model metrics against a baseline and pass or fail by rules.',
  inputs: [
    {
      name: 'metrics',
      type: 'list',
      required: true,
      description:
        'Candidate metrics files (JSON, YAML, TOML, CSV/TSV, OpenMetrics), one per line or comma-separated. Nested keys flatten with dots. Or one MLflow run or model version: `mlflow:runs:/<run_id>`, `mlflow:<model>/<version>`, `mlflow:<model>@<alias>` (needs `MLFLOW_TRACKING_URI`).',
    },
    {
      name: 'baseline',
      type: 'string',
      default: 'auto',
      regex: '^(auto|none|file:.+|git:.+|mlflow:.+)$',
      description:
        "Where the baseline metrics come from: `file:<path>`, `git:<ref>` (the same paths at that ref), `none`, `auto` (on a pull/merge request the merge base with the target branch, else none), or an MLflow tracking server: `mlflow:<model>@<alias>` (e.g. `mlflow:churn@champion`), `mlflow:<model>/<version>` or `mlflow:runs:/<run_id>` (a version's metrics are its MLflow 3 logged model's, else its run's). MLflow reads `MLFLOW_TRACKING_URI` and `MLFLOW_TRACKING_TOKEN` or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD`; GitLab's MLflow API has no aliases: name a version.",
    },
    {
      name: 'mlflow-tag-version',
      type: 'string',
      description:
        'Opt-in lineage: after the gate, tag this MLflow model version (`<model>/<version>`, e.g. `churn/7`, or `candidate` for the version given in `metrics`) with `sluice.gate` = `passed`/`failed`, `sluice.report-url`, `sluice.change-url` (the PR/MR) and `sluice.commit`. The report says what it changed.',
    },
    {
      name: 'rules',
      type: 'string',
      description:
        'Rules file (YAML): per-metric direction, min/max, max_regression(_pct), required; and a default. Without it, metrics are reported, not gated.',
    },
    {
      name: 'history',
      type: 'number',
      integer: true,
      min: 0,
      max: 1000,
      default: 8,
      description:
        "With a git baseline, chart the most telling metrics over this many earlier versions of the metrics files; with an MLflow model version baseline, over the model's earlier versions (0: no charts).",
    },
    ...reportInputs('quality-gate'),
    ...forgeInputs,
    FOLLOW_LINKS_INPUT,
  ],
  outputs: [
    { name: 'passed', description: '`true` when every gated metric passed, else `false`.' },
    { name: 'failed-metrics', description: 'Comma-separated names of the metrics that failed.' },
    REPORT_OUTPUT,
  ],
} as const satisfies CommandDef;
