/**
 * Each command's inputs are written once, here, and everything else is generated from them:
 * actions/<name>/action.yml, the root action.yml, gitlab-templates/<name>.yml spec:inputs,
 * the CLI flags, and the input tables in README.md (see scripts/generate.ts).
 */

type InputType = 'string' | 'boolean' | 'number' | 'list' | 'choice';

export type Platform = 'action' | 'gitlab' | 'cli';

export interface InputDef {
  /** kebab-case: the action input, the CLI `--flag`, the GitLab spec input, env `SLUICE_<NAME>`. */
  name: string;
  type: InputType;
  description: string;
  /** Absent means optional with no default (read as `undefined`, never as ""). */
  default?: string | number | boolean | readonly string[];
  /** Allowed values for `choice` (and for each item of a `list`, when given). */
  options?: readonly string[];
  required?: boolean;
  /** Masked in every log, never echoed in a report or error. */
  secret?: boolean;
  /** Only on these platforms (default: all). */
  platforms?: readonly Platform[];
  /** `number` inputs: only whole numbers (safe integers). */
  integer?: boolean;
  /** `number` inputs: the smallest and largest value allowed (inclusive). */
  min?: number;
  max?: number;
  /** GitLab `spec:inputs` regex, also checked by the parser. */
  regex?: string;
  /** The GitHub Actions default when it differs, e.g. `${{ github.token }}`. */
  actionDefault?: string;
  /** The well-known environment variable read when the input is not given (e.g. `SOURCE_DATE_EPOCH`). */
  envFallback?: string;
  /**
   * What the generators and the runner treat specially, by role rather than by name:
   * `report-targets`: the `<format>=<path>` list every reporting command shares (the GitLab
   * component defaults it to every report GitLab shows);
   * `cache-dir`: a `string` folder kept between runs (the GitLab component defaults it to its
   * cached folder, e.g. build-image's layer cache).
   */
  role?: 'report-targets' | 'cache-dir';
  /** Former names; using one is a clear error naming the new one. */
  renamedFrom?: readonly string[];
}

interface OutputDef {
  name: string;
  description: string;
}

/** How the command's GitLab component job differs from a plain job. */
interface GitlabJobDef {
  /**
   * The job's default `when:` (a component input the user may override). `always` for a
   * command that reports on earlier jobs, so it runs when they fail (comment); `on_success`
   * when left out, as a plain job would.
   */
  when?: 'on_success' | 'on_failure' | 'always' | 'manual';
  /**
   * The sluice command line (after `sluice`) of the job's `after_script`, which GitLab runs
   * also when the job fails or is cancelled: the cleanup of a command that starts something
   * (rollout: `rollout abort`).
   */
  afterScript?: string;
  /**
   * The job's `environment:` (GitLab records a deployment of the job's commit and shows it under
   * Operate > Environments): `name` and `url` name the command's inputs it comes from. GitLab
   * cannot leave a key out when an input is empty, and refuses an empty environment name, so the
   * job always has one: the `name` input defaults to `default` in the component.
   */
  environment?: { name: string; url: string; default: string };
}

/**
 * A file the command writes that is its result rather than a report (infer-schema's schema):
 * `input` names the `string` input holding its path; the GitLab component defaults that input
 * to `sluice-reports/<file>` and keeps the file as an artifact.
 */
interface ResultFileDef {
  input: string;
  file: string;
}

export interface CommandDef {
  name: string;
  /** One line: the action's description and the CLI help headline. */
  summary: string;
  inputs: readonly InputDef[];
  outputs: readonly OutputDef[];
  /** The action has a `post:` step (cleanup, e.g. undoing a cancelled rollout). */
  post?: boolean;
  /**
   * SIGTERM and SIGINT abort the run's signal (`CommandDeps.signal`) instead of ending the
   * process, so the command can undo what it started (rollout: traffic back on stable).
   */
  abortOnSignal?: boolean;
  /** GitLab component settings (see GitlabJobDef); absent means a plain job. */
  gitlab?: GitlabJobDef;
  /** The command's result file, when it writes one (see ResultFileDef). */
  resultFile?: ResultFileDef;
}

/** The typed value of an input after parsing. */
export type InputValue = string | number | boolean | string[] | undefined;

/*
 * Typed inputs, derived from a definition written `as const satisfies CommandDef`: the parser
 * returns `InputsOf<typeof def>`, so a command reads `inputs['comment-key']` as a `string` (its
 * default is filled in) and a misspelt name does not compile. A definition typed only as
 * `CommandDef` (names unknown) gives the loose `Record<string, InputValue>`.
 */

/** The value an input of this definition parses to when it is given (or defaulted). */
type GivenValue<I extends InputDef> = I['type'] extends 'boolean'
  ? boolean
  : I['type'] extends 'number'
    ? number
    : I['type'] extends 'list'
      ? I extends { options: readonly (infer O extends string)[] }
        ? O[]
        : string[]
      : I['type'] extends 'choice'
        ? I extends { options: readonly (infer O extends string)[] }
          ? O
          : string
        : string;

/**
 * `undefined` only when the input may be left out: neither required nor defaulted, or it exists
 * only on some platforms (elsewhere it is never read).
 */
type InputValueOf<I extends InputDef> = I extends { platforms: readonly Platform[] }
  ? GivenValue<I> | undefined
  : I extends { required: true } | { default: NonNullable<InputDef['default']> }
    ? GivenValue<I>
    : GivenValue<I> | undefined;

/** The parsed inputs of a list of input definitions, by name. */
export type InputValuesOf<L extends readonly InputDef[]> = string extends L[number]['name']
  ? Record<string, InputValue>
  : { [I in L[number] as I['name']]: InputValueOf<I> };

/** The parsed inputs of a command definition, by name: what `parseInputs(def, …)` returns. */
export type InputsOf<D extends { inputs: readonly InputDef[] }> = InputValuesOf<D['inputs']>;
