import { appliesTo, envVarName } from '../../src/inputs/parse.js';
import type { CommandDef, InputDef } from '../../src/inputs/types.js';
import { defaultText } from './defaults.js';
import { GENERATED_NOTE, yamlDocument } from './yaml.js';

/** A GitLab `spec:inputs` entry; GitLab accepts only these keys (plus `rules`, unused here). */
export interface GitlabInput {
  type: 'string' | 'number' | 'boolean' | 'array';
  description: string;
  default?: string | number | boolean;
  options?: (string | number | boolean)[];
  regex?: string;
}

export interface GitlabOptions {
  /** package.json version, pinned in the default `sluice` command. */
  version: string;
  /** package.json name: the npm package the default `sluice` command runs. */
  packageName: string;
}

/** Where the component writes its reports (each GitLab job has its own work tree). */
export const REPORT_DIR = 'sluice-reports';

/**
 * Kept between pipelines with `cache:` (GitLab caches only paths inside the project): npx's
 * download of sluice and the DuckDB install validate-data makes on first use. The key carries
 * sluice's version, which pins DuckDB's.
 */
export const CACHE_DIR = '.sluice-cache';

const LIST_NOTE =
  '(A string, one item per line or comma-separated: GitLab cannot put an `array` input into a job variable.)';

/**
 * The default job image. A full Debian Node.js image, not `-slim`: it has git, which
 * `baseline: auto`, `git:` baselines and build-image's labels and `{sha}` tags read.
 */
export const DEFAULT_IMAGE = 'node:24';

/** The job's default `when:`: the definition's `gitlab.when`, else a plain job's `on_success`. */
function defaultWhen(def: CommandDef): string {
  return def.gitlab?.when ?? 'on_success';
}

/** The default `sluice` input: npx runs the npm package of this release, pinned. */
export function sluiceCommand(options: GitlabOptions): string {
  return `npx --yes --package=${options.packageName}@${options.version} sluice`;
}

/** Extra inputs of every component; renamed with `job-` when a command has an input of that name. */
function componentInputs(def: CommandDef, options: GitlabOptions): [string, GitlabInput][] {
  const taken = new Set(def.inputs.map((input) => input.name));
  const free = (name: string): string => (taken.has(name) ? `job-${name}` : name);
  return [
    [free('stage'), { type: 'string', default: 'test', description: 'Stage of the job.' }],
    [free('job-name'), { type: 'string', default: def.name, description: 'Name of the job.' }],
    [
      free('image'),
      {
        type: 'string',
        default: DEFAULT_IMAGE,
        description:
          'Image the job runs in; it needs Node.js 20.19 or later, and git for `baseline: auto`, `git:` baselines and image labels and tags from the commit.',
      },
    ],
    [
      free('sluice'),
      {
        type: 'string',
        // The package this release publishes, at its version (package.json's name and version);
        // a bare `sluice` on the registry is not ours.
        default: sluiceCommand(options),
        description:
          'The command that runs sluice, e.g. `node path/to/dist/cli/index.js` for a checkout.',
      },
    ],
    [
      free('when'),
      {
        type: 'string',
        default: defaultWhen(def),
        options: ['on_success', 'on_failure', 'always', 'manual'],
        description: `When the job runs (GitLab \`when:\`); \`${defaultWhen(def)}\` by default.`,
      },
    ],
  ];
}

/** The component input name of a secret: the component takes the *name* of a masked variable. */
export function secretInputName(input: InputDef): string {
  return `${input.name}-variable`;
}

/** The masked CI/CD variable a secret is read from by default, e.g. SLUICE_GITLAB_TOKEN. */
export function secretVariableDefault(input: InputDef): string {
  return envVarName(`gitlab-${input.name}`);
}

/** The `<format>=<path>` report list of a command, whatever its name; undefined when it has none. */
export function reportTargetsInput(def: CommandDef): InputDef | undefined {
  return def.inputs.find((input) => input.role === 'report-targets' && input.type === 'list');
}

/**
 * The input naming the command's result file (its definition's `resultFile`, e.g. infer-schema's
 * schema), when it has one: the component writes the file where the artifact is kept.
 */
export function resultFileInput(def: CommandDef): InputDef | undefined {
  const entry = def.resultFile;
  if (!entry) return undefined;
  return def.inputs.find((input) => input.name === entry.input && input.type === 'string');
}

/** The component's cached folder: a `cache-dir` input (build-image's layer cache) defaults to it. */
const TOOLS_CACHE = `$CI_PROJECT_DIR/${CACHE_DIR}/tools`;

/**
 * GitLab-only defaults: a reporting command writes every report GitLab can show, a command with a
 * result file writes it where the artifact is kept, and a layer cache lives in the cached folder.
 */
export function gitlabDefault(def: CommandDef, input: InputDef): InputDef['default'] {
  if (input.default !== undefined) return input.default;
  const environment = def.gitlab?.environment;
  if (environment && input.name === environment.name) return environment.default;
  if (input === reportTargetsInput(def)) {
    return reportOutputs(def.name).map(([format, path]) => `${format}=${path}`);
  }
  if (def.resultFile && input === resultFileInput(def))
    return `${REPORT_DIR}/${def.resultFile.file}`;
  if (input.role === 'cache-dir' && input.type === 'string') return TOOLS_CACHE;
  return undefined;
}

function reportOutputs(name: string): [format: string, path: string][] {
  return [
    ['json', `${REPORT_DIR}/${name}.json`],
    ['junit', `${REPORT_DIR}/${name}.junit.xml`],
    ['openmetrics', `${REPORT_DIR}/${name}.metrics.txt`],
    ['dotenv', `${REPORT_DIR}/${name}.env`],
  ];
}

/** How one command input becomes a GitLab spec input. */
export function gitlabInput(def: CommandDef, input: InputDef): GitlabInput {
  if (input.secret) {
    return ordered({
      type: 'string',
      default: secretVariableDefault(input),
      regex: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: `Name of the masked CI/CD variable that holds the ${input.name} (never pass a secret as an input: inputs are written into the pipeline in clear). ${input.description}`,
    });
  }
  const fallback = gitlabDefault(def, input);
  const optional = fallback === undefined && !input.required;
  const spec = ((): GitlabInput => {
    switch (input.type) {
      case 'boolean':
        if (typeof fallback === 'boolean' || input.required) {
          return withDefault({ type: 'boolean', description: input.description }, fallback);
        }
        return {
          type: 'string',
          description: input.description,
          default: '',
          options: ['', 'true', 'false'],
        };
      case 'number':
        if (typeof fallback === 'number' || input.required) {
          return withDefault({ type: 'number', description: input.description }, fallback);
        }
        return {
          type: 'string',
          description: `${input.description} (A string so that it can be left empty.)`,
          default: '',
          regex: '^$|^[+-]?[0-9]+(\\.[0-9]+)?$',
        };
      case 'choice':
        return withDefault(
          {
            type: 'string',
            description: input.description,
            options: [...(optional ? [''] : []), ...(input.options ?? [])],
          },
          optional ? '' : fallback,
        );
      case 'list': {
        const allowed = input.options ? ` Allowed items: ${input.options.join(', ')}.` : '';
        return withDefault(
          { type: 'string', description: `${input.description} ${LIST_NOTE}${allowed}` },
          optional ? '' : defaultText(fallback),
        );
      }
      case 'string':
        return withDefault(
          { type: 'string', description: input.description },
          optional ? '' : fallback,
        );
    }
  })();
  if (input.regex !== undefined && spec.type === 'string') {
    // Without a value GitLab still checks the empty default against the regex.
    spec.regex = optional ? `^$|${input.regex}` : input.regex;
  }
  return ordered(spec);
}

/** Keys in one order in every component, whatever order the cases built them in. */
function ordered(spec: GitlabInput): GitlabInput {
  const out: GitlabInput = { type: spec.type, description: spec.description };
  if (spec.default !== undefined) out.default = spec.default;
  if (spec.options !== undefined) out.options = spec.options;
  if (spec.regex !== undefined) out.regex = spec.regex;
  return out;
}

function withDefault(spec: GitlabInput, fallback: InputDef['default']): GitlabInput {
  if (fallback === undefined) return spec;
  return {
    ...spec,
    default: Array.isArray(fallback)
      ? fallback.join('\n')
      : (fallback as string | number | boolean),
  };
}

/**
 * A GitLab CI/CD component: `spec:inputs`, then one job that only maps inputs to `SLUICE_*`
 * variables and runs `sluice <name>`. Strings go to `variables:`; booleans and numbers are exported
 * in the script, because GitLab replaces a whole-value `$[[ ]]` with a typed YAML value and a job
 * variable must be a string.
 */
export function renderGitlabComponent(def: CommandDef, options: GitlabOptions): string {
  const extra = componentInputs(def, options);
  const [stage, jobName, image, sluice, when] = extra.map(([name]) => name) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const inputs: Record<string, GitlabInput> = Object.fromEntries(
    extra.map(([name, spec]) => [name, ordered(spec)]),
  );
  const variables: Record<string, string> = {};
  const exports: string[] = [];
  for (const input of def.inputs) {
    if (!appliesTo(input, 'gitlab')) continue;
    const spec = gitlabInput(def, input);
    const specName = input.secret ? secretInputName(input) : input.name;
    inputs[specName] = spec;
    const env = envVarName(input.name);
    if (input.secret) variables[env] = `\${$[[ inputs.${specName} ]]}`;
    else if (spec.type === 'string') variables[env] = `$[[ inputs.${specName} ]]`;
    else exports.push(`export ${env}="$[[ inputs.${specName} ]]"`);
  }
  const environment = def.gitlab?.environment;
  const environmentAction = environment
    ? environmentActionInput(def, inputs, environment.url)
    : undefined;
  // An input of the same variable (build-image's `cache-dir`) wins: it defaults to this folder.
  variables['SLUICE_CACHE_DIR'] ??= TOOLS_CACHE;
  variables['npm_config_cache'] = `$CI_PROJECT_DIR/${CACHE_DIR}/npm`;
  const job: Record<string, unknown> = {
    stage: `$[[ inputs.${stage} ]]`,
    image: `$[[ inputs.${image} ]]`,
    when: `$[[ inputs.${when} ]]`,
    variables,
    // `when: always`: a failing verdict must not cost the next pipeline its cache.
    cache: { key: `sluice-${options.version}`, paths: [`${CACHE_DIR}/`], when: 'always' },
    script: [...exports, `$[[ inputs.${sluice} ]] ${def.name}`],
  };
  // GitLab records the deployment itself: a failed job (a rollback) leaves the last good one current.
  if (environment && environmentAction) {
    job.environment = {
      name: `$[[ inputs.${environment.name} ]]`,
      url: `$[[ inputs.${environment.url} ]]`,
      action: `$[[ inputs.${environmentAction} ]]`,
    };
  }
  // GitLab runs after_script in its own shell, also on failure and cancellation.
  // Its report goes to a file of its own: written over the job's reports (the junit, metrics and
  // dotenv GitLab reads), a clean-up that found nothing to undo would turn a failed job's
  // widgets green (a rolled-back canary shown as "Rollout abort: PASS").
  if (def.gitlab?.afterScript) {
    const reports = reportTargetsInput(def);
    const own = reports
      ? [
          `export ${envVarName(reports.name)}="json=${REPORT_DIR}/${def.gitlab.afterScript.trim().split(/\s+/).join('-')}.json"`,
        ]
      : [];
    job.after_script = [...exports, ...own, `$[[ inputs.${sluice} ]] ${def.gitlab.afterScript}`];
  }
  const artifacts = artifactsOf(def);
  if (artifacts) job.artifacts = artifacts;
  const spec = yamlDocument(
    { spec: { inputs } },
    `${GENERATED_NOTE}\n GitLab CI/CD component \`${def.name}\`: ${def.summary}\n Secrets are read from masked CI/CD variables named by the \`*-variable\` inputs.`,
  );
  return `${spec}---\n${yamlDocument({ [`$[[ inputs.${jobName} ]]`]: job })}`;
}

/**
 * Adds the component input of the job's `environment:action` (after the environment's URL) and
 * returns its name: `start` records a deployment of the job's commit; a job that only reads or
 * undoes a rollout (`status`, `abort`) should not, and takes `verify` or `access` instead.
 */
function environmentActionInput(
  def: CommandDef,
  inputs: Record<string, GitlabInput>,
  after: string,
): string {
  const name = def.inputs.some((input) => input.name === 'environment-action')
    ? 'job-environment-action'
    : 'environment-action';
  const spec: GitlabInput = {
    type: 'string',
    description: `GitLab \`environment:action\` of the job: \`start\` records a deployment of this commit in the environment (failed when the rollout is rolled back); give \`verify\` or \`access\` to a job that only reads or undoes a rollout (\`action: status\` or \`abort\`).`,
    default: 'start',
    options: ['start', 'prepare', 'verify', 'access'],
  };
  const entries = Object.entries(inputs);
  const at = entries.findIndex(([key]) => key === after);
  entries.splice(at < 0 ? entries.length : at + 1, 0, [name, spec]);
  for (const key of Object.keys(inputs)) delete inputs[key];
  Object.assign(inputs, Object.fromEntries(entries));
  return name;
}

/**
 * Only files the command really writes: the report list's defaults (kept also when the verdict
 * fails, which is when they matter) and a result file (at the path its input names).
 */
function artifactsOf(def: CommandDef): Record<string, unknown> | undefined {
  const reports = reportTargetsInput(def);
  if (reports) {
    const paths = Object.fromEntries(reportOutputs(def.name));
    return {
      when: 'always',
      paths: [`${REPORT_DIR}/`],
      reports: { junit: paths.junit, metrics: paths.openmetrics, dotenv: paths.dotenv },
    };
  }
  const result = resultFileInput(def);
  if (result) return { paths: [`$[[ inputs.${result.name} ]]`] };
  return undefined;
}
