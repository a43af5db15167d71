import type { CommandDef } from './types.js';
import { REPORT_OUTPUT, forgeInputs, reportInputs } from './shared.js';

export const rollout = {
  name: 'rollout',
  summary:
    'Roll a new model version out (canary, blue-green or shadow) with analysis, promoting it or putting all traffic back on stable.',
  inputs: [
    {
      name: 'action',
      type: 'choice',
      options: ['run', 'status', 'promote', 'abort'],
      default: 'run',
      description:
        '`run` the rollout; `status` reads the router back; `promote` lets a waiting rollout go on (or puts all traffic on the canary); `abort` puts all traffic back on stable unless the rollout was promoted. The CLI also takes it as a word: `sluice rollout abort`.',
    },
    {
      name: 'spec',
      type: 'string',
      description:
        'The rollout spec (YAML): strategy, versions, router, steps, analysis (see docs/rollout.md). The inputs below override it.',
    },
    {
      name: 'strategy',
      type: 'choice',
      options: ['canary', 'blue-green', 'shadow'],
      description:
        'canary (weights step by step), blue-green (preview, then all at once) or shadow (the canary gets a copy of live requests, users get stable’s answers; needs the spec’s `shadow:` and a router that mirrors). Default: the spec’s, else canary.',
    },
    {
      name: 'router',
      type: 'string',
      description:
        'The built-in router as `builtin:<admin url>` (e.g. `builtin:http://127.0.0.1:9901`); nginx and HAProxy are configured in the spec.',
    },
    {
      name: 'stable',
      type: 'string',
      description: 'The version serving now (its name at the router and in metrics).',
    },
    { name: 'canary', type: 'string', description: 'The new version.' },
    {
      name: 'canary-image',
      type: 'string',
      description:
        'On a compose host (the spec’s `deploy:`), the image the canary service runs, e.g. `ghcr.io/acme/model:2` (default: the spec’s `deploy.image`, `{{version}}` replaced by the canary’s name).',
    },
    {
      name: 'steps',
      type: 'string',
      description:
        'Canary steps as `<weight>[:<pause>]`, comma-separated, e.g. `10:1m,25:1m,50:1m` (promotion to 100 % follows). Default: the spec’s, else 10 → 25 → 50 with 1m pauses.',
    },
    {
      name: 'mlflow-promote-alias',
      type: 'string',
      description:
        'Opt-in lineage: `<model>@<alias>=<version>` (e.g. `churn@champion=7`). After a rollout that promoted the canary (or `promote` that put all traffic on it), move the MLflow alias to that model version; after a rollback or abort, leave it where it was. The report says what it did. Reads `MLFLOW_TRACKING_URI` and its credentials.',
    },
    {
      name: 'mlflow-challenger-alias',
      type: 'string',
      description:
        'Opt-in lineage: an MLflow alias (e.g. `challenger`) that points at the canary’s model version while the rollout runs: set when it starts, removed when it ends either way (promoted, rolled back or aborted; by `abort` and the post: step when left unfinished), unless someone moved it meanwhile. The model and version are `mlflow-promote-alias`’s; alone, write `<model>@<alias>=<version>`. The report says what was set and removed.',
    },
    {
      name: 'environment',
      type: 'string',
      // GitLab's rule for environment names; no `/` at either end.
      regex: '^[A-Za-z0-9_.${}-]([A-Za-z0-9 _./${}-]*[A-Za-z0-9_.${}-])?$',
      description:
        'The environment the rollout deploys to, e.g. `production`: shows where each version is. GitHub: a Deployment of the commit, `in_progress` while the rollout runs, then `success` when promoted or `failure` (with the reason) when rolled back; needs `permissions: deployments: write` (without it, a warning). GitLab: the job’s `environment:` (default `rollout`). The CLI: nothing.',
    },
    {
      name: 'environment-url',
      type: 'string',
      description:
        'Where the environment answers (e.g. `https://models.example.com`), linked from the deployment (GitHub `environment_url`, GitLab `environment:url`).',
    },
    ...reportInputs('rollout'),
    ...forgeInputs,
  ],
  outputs: [
    {
      name: 'outcome',
      description:
        '`promoted`, `passed` (shadow: the canary passed its analysis, not promoted), `rolled-back` or `aborted` (and for `status`/`promote`/`abort`, what it did).',
    },
    { name: 'promoted', description: '`true` when the canary was promoted, else `false`.' },
    REPORT_OUTPUT,
  ],
  post: true,
  abortOnSignal: true,
  gitlab: {
    afterScript: 'rollout abort',
    environment: { name: 'environment', url: 'environment-url', default: 'rollout' },
  },
} as const satisfies CommandDef;
