import { UsageError } from '../errors.js';
import { refProblem } from './git-errors.js';

/** Where the baseline metrics come from, as the user wrote it in `--baseline`. */
export type BaselineSpec =
  | { kind: 'auto' }
  | { kind: 'none' }
  | { kind: 'file'; path: string }
  | { kind: 'git'; ref: string }
  | { kind: 'mlflow'; model: string; alias: string };

// `mlflow:<model>@<alias>` still parses (it is planned), but is not offered until it works.
const FORMS = '`auto`, `none`, `file:<path>` or `git:<ref>`';

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
  if (scheme === 'mlflow') {
    const at = rest.lastIndexOf('@');
    const model = rest.slice(0, at);
    const alias = rest.slice(at + 1);
    if (at > 0 && alias) return { kind: 'mlflow', model, alias };
    throw new UsageError(`baseline \`${text}\` names no model alias`, {
      place: { key: 'baseline' },
      hint: 'write it as `mlflow:<registered model>@<alias>`, e.g. `mlflow:churn@champion`',
    });
  }
  throw new UsageError(`baseline \`${text}\` is not a baseline source`, {
    place: { key: 'baseline' },
    hint: `use ${FORMS}`,
  });
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
