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
  if (scheme === 'git' && rest) {
    const problem = refProblem(rest);
    if (problem) {
      throw new UsageError(`baseline \`git:${printable(rest)}\`: the ref ${problem}`, {
        place: { key: 'baseline' },
        hint: 'name a branch, tag or commit, e.g. `git:origin/main`, `git:v1.2.0` or `git:HEAD~1`',
      });
    }
    return { kind: 'git', ref: rest };
  }
  if (scheme === 'mlflow') return { kind: 'mlflow', ref: parseMlflowRef(rest, 'baseline') };
  throw new UsageError(`baseline \`${text}\` is not a baseline source`, {
    place: { key: 'baseline' },
    hint: `use ${FORMS}`,
  });
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
