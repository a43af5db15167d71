import { UsageError } from '../errors.js';
import type { SqlEngine } from './engine.js';
import type { RowCheck } from './schema.js';
import { quoteString } from './sql.js';

/**
 * A schema's `sql:` check is text from a file a pull request can change, and it runs inside
 * the checks' scan. It is accepted only as ONE row predicate, as DuckDB's own parser reads it:
 * one SELECT of one expression, no FROM, no subquery, no table function, no star, no window,
 * nothing that reads settings. What runs is not the user's text but DuckDB's rendering of that
 * parsed expression, parsed once more to prove it is the very same tree: comments, stray
 * parentheses or a second statement cannot change what is counted.
 */
export async function vetChecks(engine: SqlEngine, checks: readonly RowCheck[]): Promise<string[]> {
  const out: string[] = [];
  for (const check of checks) out.push(await vetCheck(engine, check));
  return out;
}

const HINT =
  'a check is one row predicate over the data’s columns, e.g. `price >= 0 AND price < 1000`';

/** Functions that read something beside the row: settings, variables, the catalog, files. */
const FORBIDDEN_FUNCTION =
  /^(current_setting|getenv|getvariable|current_database|current_schema|current_schemas|current_catalog|pragma_.*|duckdb_.*|read_.*|query|query_table|glob|sniff_csv|parquet_.*|sql_auto_complete|which_secret|json_serialize_sql|json_deserialize_sql|json_serialize_plan|json_execute_serialized_sql|nextval|currval)$/i;

/** Expression classes a row predicate never needs; SUBQUERY is the one that reads tables. */
const FORBIDDEN_CLASS = new Set(['SUBQUERY', 'STAR', 'WINDOW', 'PARAMETER', 'DEFAULT']);

async function vetCheck(engine: SqlEngine, check: RowCheck): Promise<string> {
  const place = check.sqlPlace;
  const refuse = (why: string): UsageError =>
    new UsageError(`check \`${check.name}\` is not one row predicate: ${why}`, {
      place,
      hint: HINT,
    });
  // The C API reads SQL up to a NUL; control characters have no place in a predicate.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(check.sql))
    throw refuse('it holds a control character');
  if (check.sql.length > 10_000) throw refuse('it is longer than 10,000 characters');
  const parsed = await serialize(engine, `SELECT ${check.sql}`);
  const tree = readTree(parsed);
  if (tree.error) throw refuse(tree.error);
  const node = tree.node;
  if (!node) throw refuse('it is not one expression');
  const problem = shapeProblem(node);
  if (problem) throw refuse(problem);
  const found = forbidden(node['select_list']);
  if (found) throw refuse(found);
  let rendered: string;
  try {
    const rows = await engine.query(`SELECT json_deserialize_sql(${quoteString(parsed)}) AS s`);
    rendered = String(rows[0]?.['s'] ?? '');
  } catch {
    throw refuse('DuckDB cannot render it back (write constants plainly, e.g. no 1e400)');
  }
  if (!rendered.startsWith('SELECT ')) throw refuse('it is not one expression');
  const expression = rendered.slice('SELECT '.length);
  // The rendering, parenthesised as the scan will use it, must be the tree just vetted.
  const again = await serialize(engine, `SELECT (${expression})`);
  if (withoutLocations(again) !== withoutLocations(parsed))
    throw refuse('DuckDB reads it back differently; write it without comments or odd syntax');
  return expression;
}

async function serialize(engine: SqlEngine, sql: string): Promise<string> {
  const rows = await engine.query(`SELECT json_serialize_sql(${quoteString(sql)}) AS j`);
  return String(rows[0]?.['j'] ?? '');
}

type Json = Record<string, unknown>;

function readTree(text: string): { error?: string; node?: Json } {
  let parsed: unknown;
  try {
    // DuckDB writes infinite and NaN constants bare, which JSON has no words for.
    parsed = JSON.parse(text.replace(/:(-?Infinity|NaN)\b/g, ':null'));
  } catch {
    return { error: 'DuckDB could not describe it' };
  }
  const root = parsed as Json;
  if (root['error'] === true) {
    const message = String(root['error_message'] ?? 'it does not parse');
    return {
      error: /Only SELECT statements/.test(message)
        ? 'it holds another statement'
        : message.length > 200
          ? `${message.slice(0, 200)}…`
          : message,
    };
  }
  const statements = root['statements'];
  if (!Array.isArray(statements) || statements.length !== 1)
    return { error: 'it holds more than one statement' };
  const node = (statements[0] as Json | undefined)?.['node'] as Json | undefined;
  return node ? { node } : { error: 'it is not one expression' };
}

/** `SELECT <one expression>` and nothing else: no FROM, WHERE, GROUP BY, CTE, DISTINCT, … */
function shapeProblem(node: Json): string | undefined {
  if (node['type'] !== 'SELECT_NODE') return 'it is a query, not an expression';
  const list = node['select_list'];
  if (!Array.isArray(list) || list.length !== 1)
    return 'it is several expressions (a comma outside a function call?)';
  const from = node['from_table'] as Json | undefined;
  if (from?.['type'] !== 'EMPTY') return 'it reads a table (FROM)';
  const empty = (value: unknown): boolean =>
    value === null ||
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.values(value as Json).every((v) => Array.isArray(v) && v.length === 0));
  for (const clause of [
    'where_clause',
    'group_expressions',
    'group_sets',
    'having',
    'sample',
    'qualify',
    'modifiers',
    'cte_map',
  ])
    if (!empty(node[clause])) return `it has a ${clause.replace(/_.*/, '').toUpperCase()} clause`;
  if (node['aggregate_handling'] !== 'STANDARD_HANDLING') return 'it groups rows';
  const only = list[0] as Json;
  if (typeof only['alias'] === 'string' && only['alias'] !== '') return 'it names itself (AS)';
  return undefined;
}

/** The first thing in the expression tree that reaches beyond the row, described. */
function forbidden(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = forbidden(item);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const node = value as Json;
  const kind = node['class'];
  if (typeof kind === 'string' && FORBIDDEN_CLASS.has(kind))
    return kind === 'SUBQUERY'
      ? 'it holds a subquery (SELECT inside)'
      : `it holds a ${kind.toLowerCase()} expression`;
  if ('from_table' in node || 'subquery' in node || node['type'] === 'SELECT_NODE')
    return 'it holds a query';
  const name = node['function_name'];
  if (typeof name === 'string' && FORBIDDEN_FUNCTION.test(name))
    return `\`${name}\` reads more than the row`;
  for (const child of Object.values(node)) {
    const found = forbidden(child);
    if (found) return found;
  }
  return undefined;
}

function withoutLocations(text: string): string {
  return text.replace(/"query_location":\d+/g, '');
}
