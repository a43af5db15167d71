import type { CommandDef } from './types.js';
import { REPORT_OUTPUT, forgeInputs, reportInputs, FOLLOW_LINKS_INPUT } from './shared.js';

export const qualityGate = {
  name: 'quality-gate',
  summary: 'Diff candidate model metrics against a baseline and pass or fail by rules.',
  inputs: [
    {
      name: 'metrics',
      type: 'list',
      description:
        'Candidate metrics files (JSON, YAML, TOML, CSV/TSV, OpenMetrics), one per line or comma-separated; needed unless `predictions` is given. Nested keys flatten with dots. Or one MLflow run or model version: `mlflow:runs:/<run_id>`, `mlflow:<model>/<version>`, `mlflow:<model>@<alias>`, or `mlflow:commit:<experiment>[@<sha>]`: the one active run of the experiment tagged with the commit this job builds (`mlflow.source.git.commit`) (needs `MLFLOW_TRACKING_URI`).',
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
        'Opt-in lineage: after the gate, tag this MLflow model version (`<model>/<version>`, e.g. `churn/7`, or `candidate` for the version given in `metrics`) with `sluice.gate` = `passed`/`failed`, `sluice.gate.failed` = the metrics that failed (removed again by a later passing gate of the version), `sluice.report-url`, `sluice.change-url` (the PR/MR) and `sluice.commit`. The report says what it changed.',
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
    {
      name: 'predictions',
      type: 'list',
      description:
        "Per-example predictions of the candidate model (CSV/TSV, Parquet, JSON lines; files, globs or a folder), one row per example with an id, the label and the prediction. Compared with `baseline-predictions` example by example: flips, McNemar's exact test, and a paired bootstrap interval for each metric's difference, overall and per slice.",
    },
    {
      name: 'baseline-predictions',
      type: 'string',
      description:
        "The baseline model's predictions on the same examples: a file path (or `file:<path>`); `git:<ref>` (the `predictions` file at that ref); or a file logged as an artifact of an MLflow run: `mlflow:<model>@<alias>[:<artifact path>]` or `mlflow:<model>/<version>[:<artifact path>]` (the version's run), `mlflow:runs:/<run_id>[/<artifact path>]` (the artifact path defaults to the `predictions` file's name; at most 1 GiB). Default: the `predictions` file at the baseline's ref when `baseline` is `git:<ref>` (or `auto` on a pull/merge request), or its artifact in the run when `baseline` is `mlflow:…`.",
    },
    {
      name: 'id-column',
      type: 'string',
      default: 'id',
      description: 'The column that pairs an example in both prediction files (unique in each).',
    },
    {
      name: 'label-column',
      type: 'string',
      default: 'label',
      description: 'The column holding the true label (class or number).',
    },
    {
      name: 'prediction-column',
      type: 'string',
      default: 'prediction',
      description: 'The column holding the predicted class or number.',
    },
    {
      name: 'score-column',
      type: 'string',
      description:
        'Optional: the column holding the score (probability) of the positive class, in both prediction files. Binary labels: adds ROC AUC (ties count half, as scikit-learn) with its paired bootstrap interval, overall and per slice (a slice of one label has no AUC, and says so); also orders the worst flipped examples by how confident the candidate was.',
    },
    {
      name: 'positive-class',
      type: 'string',
      description:
        'Two-class labels: the label value the score (`score-column`) and precision/recall/F1 are about, e.g. `churn`. Default: `1` for 0/1 labels, `true` for true/false; other labels (e.g. `churn`/`stay`, `yes`/`no`) need it (sluice does not guess).',
    },
    {
      name: 'slice-columns',
      type: 'list',
      description:
        'Columns of the candidate predictions to compare per value (e.g. `region`, `segment`): every metric and interval per slice; rules match `slices.<column>.<value>.<metric>`.',
    },
    {
      name: 'task',
      type: 'choice',
      options: ['classification', 'regression'],
      description:
        'What the predictions are: `classification` (accuracy, precision, recall, F1; binary or macro-averaged; AUC from `score-column`) or `regression` (RMSE, MAE). Inferred from the label when left out (numbers with more than 20 values or fractions: regression), and said in the report.',
    },
    {
      name: 'bootstrap-resamples',
      type: 'number',
      integer: true,
      min: 100,
      max: 100000,
      default: 1000,
      description: 'How many paired bootstrap resamples of the ids give each interval.',
    },
    {
      name: 'seed',
      type: 'number',
      integer: true,
      min: 0,
      max: 4294967295,
      default: 20261207,
      description:
        "Seed of the bootstrap's random generator: the same inputs and seed give the same intervals on every machine.",
    },
    {
      name: 'confidence',
      type: 'number',
      min: 0.5,
      max: 0.999,
      default: 0.95,
      description:
        "Confidence of the intervals (a rule's own `confidence` wins): `max_regression` fails a metric only when the whole interval is past the limit; otherwise the report says within noise.",
    },
    {
      name: 'min-slice-size',
      type: 'number',
      integer: true,
      min: 1,
      max: 1000000,
      default: 30,
      description:
        'Slices with fewer examples are reported as too small to judge (a warning), never gated nor passed silently.',
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
