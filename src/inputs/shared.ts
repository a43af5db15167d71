import type { InputDef, InputValuesOf } from './types.js';

export const REPORT_FORMATS = [
  'terminal',
  'markdown',
  'json',
  'junit',
  'openmetrics',
  'dotenv',
] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Inputs every reporting command shares: where its report goes and whether it comments. */
export function reportInputs<const C extends string>(command: C) {
  return [
    {
      name: 'format',
      type: 'choice',
      options: REPORT_FORMATS,
      default: 'terminal',
      description:
        'What goes to standard output: a terminal table, Markdown, JSON, JUnit XML, OpenMetrics or dotenv.',
    },
    {
      name: 'output',
      type: 'list',
      role: 'report-targets',
      description:
        'Also write the report as `<format>=<path>`; may repeat, e.g. `json=report.json` and `junit=junit.xml`.',
    },
    {
      name: 'comment',
      type: 'boolean',
      default: false,
      description: 'Post (or update) the sticky PR/MR comment with this report.',
    },
    {
      name: 'comment-key',
      type: 'string',
      default: 'sluice',
      description: 'Which sticky comment to update; reports with the same key share one comment.',
    },
    {
      name: 'report-key',
      type: 'string',
      default: command,
      description:
        'Names this report inside the sticky comment; runs with the same key replace each other.',
    },
    {
      name: 'fail-on-verdict',
      type: 'boolean',
      default: true,
      description: 'Exit 1 when the verdict is `fail`; `false` reports without failing the step.',
    },
  ] as const satisfies readonly InputDef[];
}

/** The shared report inputs as every reporting command parses them. */
export type ReportInputs = InputValuesOf<ReturnType<typeof reportInputs<string>>>;

/**
 * The opt-in for files in the working directory that are links to files outside it (metrics,
 * rules, schemas, data, reports): off, a pull request cannot make sluice read the runner's files.
 */
export const FOLLOW_LINKS_INPUT = {
  name: 'follow-links-outside',
  type: 'boolean',
  default: false,
  description:
    'Read files in the working directory that are symbolic links to files outside it (a DVC cache outside the checkout). Off, such a link is refused (exit 2), so a file a pull request links to the runner (`~/.docker/config.json`) never reaches a report.',
} as const satisfies InputDef;

/** Credentials and coordinates for commenting; read from the platform when not given. */
export const forgeInputs = [
  {
    name: 'token',
    type: 'string',
    secret: true,
    actionDefault: '${{ github.token }}',
    description:
      'Token that may write PR/MR comments. GitHub: the workflow token by default. GitLab: a project or personal access token with `api` scope (`CI_JOB_TOKEN` cannot write notes).',
  },
  {
    name: 'pull-request',
    type: 'number',
    integer: true,
    min: 1,
    max: 2_147_483_647,
    description:
      'PR/MR number to comment on, when the run is not a pull request itself (e.g. a `workflow_run` job posting an artifact).',
  },
] as const satisfies readonly InputDef[];

/** The forge inputs as every commenting command parses them. */
export type ForgeInputs = InputValuesOf<typeof forgeInputs>;

/**
 * Report files for the image commands, whose `output` names image destinations: the same
 * `<format>=<path>` list, under a name no job variable or step output shares.
 */
export const REPORT_FILES_INPUT = {
  name: 'report-output',
  type: 'list',
  role: 'report-targets',
  description:
    'Also write the report as `<format>=<path>`; may repeat, e.g. `json=report.json` and `dotenv=build.env`.',
} as const satisfies InputDef;

/** Every action that produces a report also says where its JSON went. */
export const REPORT_OUTPUT = {
  name: 'report',
  description: 'Path of the JSON report (input for the `comment` command).',
} as const;
