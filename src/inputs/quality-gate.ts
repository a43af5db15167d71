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
        'Candidate metrics files (JSON, YAML, TOML, CSV/TSV, OpenMetrics), one per line or comma-separated. Nested keys flatten with dots.',
    },
    {
      name: 'baseline',
      type: 'string',
      default: 'auto',
      regex: '^(auto|none|file:.+|git:.+)$',
      description:
        'Where the baseline metrics come from: `file:<path>`, `git:<ref>` (the same paths at that ref), `none`, or `auto` (on a pull/merge request the merge base with the target branch, else none). MLflow baselines (`mlflow:<model>@<alias>`) are planned, not available yet.',
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
        'With a git baseline, chart the most telling metrics over this many earlier versions of the metrics files (0: no charts).',
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
