import type { Place } from '../errors.js';
import type { ColumnRule, DataSchema, RowCheck } from './schema.js';
import type { SqlRow, SqlValue } from './engine.js';
import { planColumn } from './column-checks.js';
import { typeSatisfies } from './sql.js';
import type { TypeFamily } from './sql.js';
import { plural } from '../text/plural.js';

type CheckStatus = 'pass' | 'fail' | 'warn';

export interface SampleRow {
  /** Line in the file (CSV: header counted; JSON lines), when the format has lines. */
  line: number | null;
  /** 1-based row number inside the file. */
  row: number | null;
  file: string | null;
  values: Record<string, SqlValue>;
}

export interface CheckResult {
  /** What kind of check: not_null, range, allowed, pattern, unique, …; or the schema's name for a SQL check. */
  name: string;
  column: string | null;
  status: CheckStatus;
  observed: string;
  expected: string;
  /** Rows that fail the check; null for checks that are not about rows (type, row count, …). */
  failingRows: number | null;
  samples: SampleRow[];
  /** The schema line this check comes from (annotations). */
  place?: Place;
  /** SQL condition true for the failing rows; used to sample them. */
  failWhere?: string;
}

export interface DataColumn {
  name: string;
  type: string;
  family: TypeFamily;
}

/**
 * One check compiled to SQL: its aggregates go into the single scan of the data, and
 * `evaluate` reads them back. Checks that need their own query (duplicates) have none.
 */
export interface PlannedCheck {
  aggregates: Record<string, string>;
  evaluate(row: SqlRow): CheckResult;
  /**
   * Where the schema wrote the SQL or the values this check compiles (a SQL check, a pattern,
   * a bound): when the scan fails, the culprit is named by this place, not blamed on the data.
   */
  written?: Written[];
}

/** One piece of a check the schema wrote; `aggregates` narrows it to the SQL that piece made. */
export interface Written {
  place: Place;
  what: string;
  hint?: string;
  aggregates?: Record<string, string>;
}

export interface CheckPlan {
  /** Checks decided without scanning (missing columns, types, strictness). */
  static: CheckResult[];
  planned: PlannedCheck[];
}

export function toNumber(value: SqlValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

export function formatFraction(value: number): string {
  // Trailing zeros go only after a decimal point: 100 stays 100.
  return `${(value * 100)
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')}%`;
}

/** Compiles a schema against the columns the data actually has. */
export function planChecks(
  schema: DataSchema,
  columns: readonly DataColumn[],
  nowEpochSeconds: number,
  /** The schema's `sql:` checks as vetChecks rendered them, in order: only these run. */
  expressions: readonly string[] = [],
): CheckPlan {
  if (expressions.length !== schema.checks.length)
    throw new Error('planChecks: every `sql:` check must be vetted (vetChecks) before it runs');
  const byName = new Map(columns.map((c) => [c.name, c]));
  const staticResults: CheckResult[] = [];
  const planned: PlannedCheck[] = [rowCountCheck(schema.rows)];
  let index = 0;
  const alias = (): string => `k${index++}`;

  for (const rule of schema.columns) {
    const column = byName.get(rule.name);
    staticResults.push(...declaredColumnChecks(rule, column));
    if (column) planned.push(...planColumn(rule, column, alias, nowEpochSeconds));
  }
  const extra = extraColumnsCheck(schema, columns);
  if (extra) staticResults.push(extra);
  schema.checks.forEach((check, i) => {
    planned.push(sqlCheck(check, expressions[i] as string, alias()));
  });
  return { static: staticResults, planned };
}

/** `rows: {min, max}`; without it the count is still read (the report and profile need it). */
function rowCountCheck(rule: DataSchema['rows']): PlannedCheck {
  return {
    aggregates: { __rows: 'count(*)' },
    evaluate: (row) => {
      const rows = toNumber(row['__rows']);
      const ok =
        !rule ||
        ((rule.min === undefined || rows >= rule.min) &&
          (rule.max === undefined || rows <= rule.max));
      const expected = !rule
        ? 'any'
        : [
            rule.min !== undefined ? `≥ ${rule.min}` : '',
            rule.max !== undefined ? `≤ ${rule.max}` : '',
          ]
            .filter(Boolean)
            .join(' and ');
      return {
        name: 'row_count',
        column: null,
        status: ok ? 'pass' : 'fail',
        observed: String(rows),
        expected,
        failingRows: null,
        samples: [],
        ...(rule ? { place: rule.place } : {}),
      };
    },
  };
}

/** A declared column is present, and of its declared type: decided without scanning. */
function declaredColumnChecks(rule: ColumnRule, column: DataColumn | undefined): CheckResult[] {
  if (!column) {
    return [
      {
        name: 'present',
        column: rule.name,
        status: 'fail',
        observed: 'missing from the data',
        expected: 'present',
        failingRows: null,
        samples: [],
        place: rule.place,
      },
    ];
  }
  if (!rule.type) return [];
  return [
    {
      name: 'type',
      column: rule.name,
      status: typeSatisfies(rule.type, column.family) ? 'pass' : 'fail',
      observed: column.type,
      expected: rule.type,
      failingRows: null,
      samples: [],
      place: rule.keyPlaces['type'] ?? rule.place,
    },
  ];
}

/** Columns the schema does not declare: fail when `strict`, else warn; absent when none and lax. */
function extraColumnsCheck(
  schema: DataSchema,
  columns: readonly DataColumn[],
): CheckResult | undefined {
  const declared = new Set(schema.columns.map((c) => c.name));
  const extra = columns.filter((c) => !declared.has(c.name)).map((c) => c.name);
  if (extra.length === 0 && !schema.strict) return undefined;
  return {
    name: 'no_extra_columns',
    column: null,
    status: extra.length === 0 ? 'pass' : schema.strict ? 'fail' : 'warn',
    observed: extra.length === 0 ? 'none' : nameList(extra),
    expected: schema.strict ? 'only schema columns (strict)' : 'only schema columns',
    failingRows: null,
    samples: [],
    place: schema.strictPlace,
  };
}

/** A schema's `checks:` entry: its vetted predicate, false on at most `max_failures` rows. */
function sqlCheck(check: RowCheck, expression: string, a: string): PlannedCheck {
  const failWhere = `(${expression}) IS FALSE`;
  return {
    written: [{ place: check.place, what: `check \`${check.name}\`` }],
    aggregates: { [a]: `count(*) FILTER (WHERE ${failWhere})` },
    evaluate: (row) => {
      const failing = toNumber(row[a]);
      return {
        name: check.name,
        column: null,
        status: failing <= check.maxFailures ? 'pass' : 'fail',
        observed: plural(failing, 'failing row'),
        expected: `≤ ${plural(check.maxFailures, 'failing row')} where \`${check.sql}\``,
        failingRows: failing,
        samples: [],
        place: check.place,
        failWhere,
      };
    },
  };
}

/** Beyond this many extra columns the check names the first ones and counts the rest. */
const LISTED_EXTRA_COLUMNS = 20;

function nameList(names: readonly string[]): string {
  if (names.length <= LISTED_EXTRA_COLUMNS) return names.join(', ');
  const rest = names.length - LISTED_EXTRA_COLUMNS;
  return `${names.slice(0, LISTED_EXTRA_COLUMNS).join(', ')} and ${rest} more`;
}
