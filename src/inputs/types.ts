/**
 * Each command's inputs are written once, here, and everything else is generated from them:
 * actions/<name>/action.yml, the root action.yml, gitlab-templates/<name>.yml spec:inputs,
 * the CLI flags, and the input tables in README.md (see scripts/generate.ts).
 */

export type InputType = 'string' | 'boolean' | 'number' | 'list' | 'choice';

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
  /** `report-targets`: the `<format>=<path>` list every reporting command shares. */
  role?: 'report-targets';
  /** Former names; using one is a clear error naming the new one. */
  renamedFrom?: readonly string[];
}

export interface OutputDef {
  name: string;
  description: string;
}

export interface CommandDef {
  name: string;
  /** One line: the action's description and the CLI help headline. */
  summary: string;
  inputs: readonly InputDef[];
  outputs: readonly OutputDef[];
  /** The action has a `post:` step (cleanup, e.g. undoing a cancelled rollout). */
  post?: boolean;
}

/** The typed value of an input after parsing. */
export type InputValue = string | number | boolean | string[] | undefined;
