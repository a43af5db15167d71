import { UsageError } from '../errors.js';
import { refProblem } from './git-errors.js';

/** Where the baseline metrics come from, as the user wrote it in `--baseline`. */
export type BaselineSpec =
  | { kind: 'auto' }
  | { kind: 'none' }
  | { kind: 'file'; path: string }
  | { kind: 'git'; ref: string }
  | { kind: 'mlflow'; ref: MlflowRef };

/** A model version or run in an MLflow tracking server, as `mlflow:<…>` names it. */
export type MlflowRef =
  { model: string; alias: string } | { model: string; version: string } | { runId: string };

const FORMS =
  '`auto`, `none`, `file:<path>`, `git:<ref>`, `mlflow:<model>@<alias>`, `mlflow:<model>/<version>` or `mlflow:runs:/<run_id>`';

const MLFLOW_FORMS =
  '`mlflow:<registered model>@<alias>` (e.g. `mlflow:churn@champion`), `mlflow:<model>/<version>` (e.g. `mlflow:churn/3`) or `mlflow:runs:/<run_id>`';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * What follows `mlflow:`: `<model>@<alias>`, `<model>/<version>` or `runs:/<run_id>`. `key` is
 * the input it came from, for the error.
 */
export function parseMlflowRef(rest: string, key: string): MlflowRef {
  const text = rest.trim();
  const bad = (why: string) =>
    new UsageError(`${key} \`mlflow:${printable(text)}\` ${why}`, {
      place: { key },
      hint: `write it as ${MLFLOW_FORMS}`,
    });
  if (text.startsWith('runs:/')) {
    const runId = text.slice('runs:/'.length).replace(/\/+$/, '');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId))
      throw bad('names no run id (letters, digits, `-` and `_`)');
    return { runId };
  }
  if (CONTROL.test(text)) throw bad('holds control characters');
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const model = text.slice(0, at).trim();
    const alias = text.slice(at + 1).trim();
    if (!model || !alias) throw bad('names no model alias');
    return { model, alias };
  }
  const slash = text.lastIndexOf('/');
  const version = slash >= 0 ? text.slice(slash + 1).trim() : '';
  const model = slash >= 0 ? text.slice(0, slash).trim() : '';
  if (model && /^[0-9]{1,12}$/.test(version)) return { model, version };
  throw bad('names no model alias, version or run');
}

/** The candidate run found by its commit: `mlflow:commit:<experiment>[@<sha>]`. */
export interface CommitRunRef {
  experiment: string;
  /** A full commit SHA; undefined: the commit this CI run builds. */
  commit?: string;
}

const COMMIT_FORM =
  '`mlflow:commit:<experiment>` or `mlflow:commit:<experiment>@<full commit sha>`';

/**
 * `commit:<experiment>[@<sha>]` after `mlflow:` (undefined for any other form): the run of that
 * experiment tagged with the commit (`mlflow.source.git.commit`, which MLflow sets from the
 * working copy when a run starts).
 */
export function parseCommitRunRef(rest: string, key: string): CommitRunRef | undefined {
  const text = rest.trim();
  if (!text.startsWith('commit:')) return undefined;
  const body = text.slice('commit:'.length).trim();
  const at = body.lastIndexOf('@');
  const sha = at >= 0 ? body.slice(at + 1).trim() : undefined;
  const experiment = (at >= 0 ? body.slice(0, at) : body).trim();
  const bad = (why: string, hint = `write it as ${COMMIT_FORM}`) =>
    new UsageError(`${key} \`mlflow:${printable(text)}\` ${why}`, { place: { key }, hint });
  if (experiment === '') throw bad('names no experiment');
  if (CONTROL.test(experiment) || experiment.length > 500)
    throw bad('names no experiment (control characters, or longer than 500 characters)');
  if (sha !== undefined && !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(sha))
    throw bad(
      'names no full commit SHA',
      'MLflow tags runs with the full SHA (40 hex digits; 64 for SHA-256 repositories): give it whole, or leave `@<sha>` out to use the commit this job builds',
    );
  return { experiment, ...(sha ? { commit: sha.toLowerCase() } : {}) };
}

/** `churn@champion`, `churn/3`, `runs:/abc…`. */
export function describeMlflowRef(ref: MlflowRef): string {
  if ('runId' in ref) return `runs:/${ref.runId}`;
  if ('alias' in ref) return `${ref.model}@${ref.alias}`;
  return `${ref.model}/${ref.version}`;
}

export function parseBaselineSpec(raw: string | undefined): BaselineSpec {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'auto') return { kind: 'auto' };
  if (text === 'none') return { kind: 'none' };
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1).trim();
  if (scheme === 'file' && rest) return { kind: 'file', path: rest };
  if (scheme === 'git' && rest) return { kind: 'git', ref: gitRef(rest, 'baseline') };
  if (scheme === 'mlflow') return { kind: 'mlflow', ref: parseMlflowRef(rest, 'baseline') };
  throw new UsageError(`baseline \`${text}\` is not a baseline source`, {
    place: { key: 'baseline' },
    hint: `use ${FORMS}`,
  });
}

/** A git ref as `git:<ref>` gives it, checked where it is parsed (`key` names the input). */
function gitRef(ref: string, key: string): string {
  const problem = ref === '' ? 'is empty' : refProblem(ref);
  if (problem) {
    throw new UsageError(`${key} \`git:${printable(ref)}\`: the ref ${problem}`, {
      place: { key },
      hint: 'name a branch, tag or commit, e.g. `git:origin/main`, `git:v1.2.0` or `git:HEAD~1`',
    });
  }
  return ref;
}

/**
 * Where the baseline's per-example predictions come from, as `baseline-predictions` names them:
 * a file (or glob, folder), the candidate's file at a git ref, or an artifact of an MLflow run.
 */
export type PredictionsBaselineSpec =
  | { kind: 'file'; path: string }
  | { kind: 'git'; ref: string }
  | {
      kind: 'mlflow';
      ref: MlflowRef;
      /** The artifact's path in the run; undefined: the candidate predictions file's name. */
      artifact?: string;
    };

const PREDICTION_FORMS =
  '`<file>`, `git:<ref>`, `mlflow:<model>@<alias>[:<artifact path>]`, `mlflow:<model>/<version>[:<artifact path>]` or `mlflow:runs:/<run_id>[/<artifact path>]`';

/**
 * `baseline-predictions`: `git:<ref>`; `mlflow:<model>@<alias>[:<path>]`,
 * `mlflow:<model>/<version>[:<path>]` (the artifact `<path>` of the version's run) or
 * `mlflow:runs:/<run_id>[/<path>]` (as MLflow's own `runs:/` URIs write it); anything else is a
 * file path, glob or folder.
 */
export function parsePredictionsBaseline(raw: string): PredictionsBaselineSpec {
  const key = 'baseline-predictions';
  const text = raw.trim();
  if (text.startsWith('git:')) return { kind: 'git', ref: gitRef(text.slice(4).trim(), key) };
  if (!text.startsWith('mlflow:')) return { kind: 'file', path: text };
  const rest = text.slice('mlflow:'.length).trim();
  let refText: string;
  let artifact: string | undefined;
  if (rest.startsWith('runs:/')) {
    const tail = rest.slice('runs:/'.length);
    const slash = tail.indexOf('/');
    refText = slash < 0 ? rest : `runs:/${tail.slice(0, slash)}`;
    artifact = slash < 0 ? undefined : tail.slice(slash + 1);
  } else {
    // A registered model's name holds no `:`, so the first one starts the artifact path.
    const colon = rest.indexOf(':');
    refText = colon < 0 ? rest : rest.slice(0, colon);
    artifact = colon < 0 ? undefined : rest.slice(colon + 1);
  }
  let ref: MlflowRef;
  try {
    ref = parseMlflowRef(refText, key);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(error.message, {
      place: { key },
      hint: `write it as ${PREDICTION_FORMS}`,
    });
  }
  if (artifact === undefined || artifact.trim() === '') return { kind: 'mlflow', ref };
  const problem = artifactPathProblem(artifact);
  if (problem) {
    throw new UsageError(`${key} \`${printable(text)}\`: the artifact path ${problem}`, {
      place: { key },
      hint: "name a file inside the run's artifacts, relative to their root, e.g. `eval/predictions.csv`",
    });
  }
  return { kind: 'mlflow', ref, artifact };
}

/**
 * Why an artifact path could reach outside the run's artifacts (or be read as something else),
 * or undefined when it is a plain relative path: no `..` or `.` segment, not absolute, no URL or
 * drive, no backslash, query or control character, at most 1,000 characters.
 */
export function artifactPathProblem(artifact: string): string | undefined {
  if (artifact.length > 1000) return 'is longer than 1,000 characters';
  if (CONTROL.test(artifact)) return 'holds control characters';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(artifact))
    return 'is a URL or a drive, not a path in the run';
  if (artifact.startsWith('/')) return 'is absolute';
  if (/[\\?#%*[\]{}]/.test(artifact)) return 'holds `\\`, `?`, `#`, `%` or a glob character';
  const segments = artifact.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.'))
    return 'holds a `.` or `..` segment';
  if (segments.some((segment) => segment.trim() === '')) return 'has an empty segment';
  return undefined;
}

export function describeBaselineSpec(spec: BaselineSpec): string {
  switch (spec.kind) {
    case 'auto':
      return 'auto';
    case 'none':
      return 'none';
    case 'file':
      return spec.path;
    case 'git':
      return spec.ref;
    case 'mlflow':
      return describeMlflowRef(spec.ref);
  }
}

/** A value as it may be printed: control characters escaped, at most 100 characters. */
export function printable(text: string): string {
  const escaped = text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > 100 ? `${escaped.slice(0, 100)}…` : escaped;
}
