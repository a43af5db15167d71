import { UsageError } from '../errors.js';
import type { SqlEngine } from './engine.js';
import type { PlannedCheck, Written } from './checks.js';
import { quoteIdent } from './sql.js';

/** What DuckDB says when an expression, not a file, is wrong. */
const EXPRESSION_ERROR =
  /Binder Error|Parser Error|Catalog Error|Conversion Error|Out of Range Error|Invalid Input Error/;
/** The data's own fault, whatever the error's class (a gzip CSV's bad value is a Conversion Error). */
const DATA_ERROR = /CSV Error on Line|No magic bytes|IO Error|Corrupt|corrupt|Malformed JSON/;
/** Errors that only show when the expression runs over rows (binding alone passes). */
const RUNTIME_ERROR = /^\s*(Error: )?(Conversion Error|Out of Range Error)/;

/**
 * The checks' scan failed: finds the check the schema wrote (a SQL check, a pattern, a bound)
 * that made it fail, so the error names that schema line instead of blaming the data. Binding
 * each one alone finds syntax errors, unknown columns and patterns RE2 refuses without reading
 * the data; only a value that does not convert needs the checks run one at a time.
 */
export async function scanCulprit(
  engine: SqlEngine,
  scan: string,
  planned: readonly PlannedCheck[],
  error: unknown,
): Promise<UsageError | undefined> {
  const message = error instanceof Error ? error.message : String(error);
  if (!EXPRESSION_ERROR.test(message) || DATA_ERROR.test(message)) return undefined;
  const written = planned.flatMap((p) =>
    (p.written ?? []).map((w) => ({ ...w, aggregates: w.aggregates ?? p.aggregates })),
  );
  for (const piece of written) {
    const failure = await failureOf(engine, `DESCRIBE SELECT ${select(piece)} FROM ${scan}`);
    if (failure !== undefined) return culpritError(piece, failure);
  }
  if (!RUNTIME_ERROR.test(message)) return undefined;
  for (const piece of written) {
    const failure = await failureOf(engine, `SELECT ${select(piece)} FROM ${scan}`);
    if (failure !== undefined && RUNTIME_ERROR.test(failure) && !DATA_ERROR.test(failure))
      return culpritError(piece, failure);
  }
  return undefined;
}

function select(piece: { aggregates: Record<string, string> }): string {
  return Object.entries(piece.aggregates)
    .map(([alias, sql]) => `${sql} AS ${quoteIdent(alias)}`)
    .join(', ');
}

async function failureOf(engine: SqlEngine, sql: string): Promise<string | undefined> {
  try {
    await engine.query(sql);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function culpritError(written: Written, message: string): UsageError {
  const first = message.split('\n').find((line) => line.trim() !== '') ?? message;
  // Only DuckDB's first line, and none that is about another file: a check reaches the
  // data's columns and its own constants, nothing else worth quoting.
  const reason = /Permission Error|IO Error/.test(first)
    ? 'it reaches beyond the data (DuckDB refused a file access)'
    : first.replace(/^Error: /, '');
  return new UsageError(
    `${written.what} cannot run: ${reason.length > 200 ? `${reason.slice(0, 200)}…` : reason}`,
    { place: written.place, ...(written.hint ? { hint: written.hint } : {}) },
  );
}
