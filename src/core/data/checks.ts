import type { Place } from '../errors.js';
import type { ColumnRule, DataSchema, Literal } from './schema.js';
import type { SqlRow, SqlValue } from './engine.js';
import {
  isNumericFamily,
  literalSql,
  numberLiteral,
  quoteIdent,
  quoteString,
  typeSatisfies,
} from './sql.js';
import type { TypeFamily } from './sql.js';
import { plural } from '../text/plural.js';

export type CheckStatus = 'pass' | 'fail' | 'warn';

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

/** A number written as text: `2`, `-0.5`, `1e3`. */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function formatFraction(value: number): string {
  // Trailing zeros go only after a decimal point: 100 stays 100.
  return `${(value * 100)
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')}%`;
}

function literalText(value: Literal): string {
  return typeof value === 'string' ? value : String(value);
}

/** A literal compared with a column: numbers stay numbers for numeric columns, text otherwise. */
function compareLiteral(value: Literal, family: TypeFamily): string {
  if (isNumericFamily(family) && typeof value === 'number') return numberLiteral(value);
  if (family === 'boolean' && typeof value === 'boolean') return literalSql(value);
  return quoteString(literalText(value));
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
  const planned: PlannedCheck[] = [];
  let index = 0;
  const alias = (): string => `k${index++}`;

  planned.push({
    aggregates: { __rows: 'count(*)' },
    evaluate: (row) => {
      const rows = toNumber(row['__rows']);
      const rule = schema.rows;
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
  });

  for (const rule of schema.columns) {
    const column = byName.get(rule.name);
    if (!column) {
      staticResults.push({
        name: 'present',
        column: rule.name,
        status: 'fail',
        observed: 'missing from the data',
        expected: 'present',
        failingRows: null,
        samples: [],
        place: rule.place,
      });
      continue;
    }
    if (rule.type) {
      const ok = typeSatisfies(rule.type, column.family);
      staticResults.push({
        name: 'type',
        column: rule.name,
        status: ok ? 'pass' : 'fail',
        observed: column.type,
        expected: rule.type,
        failingRows: null,
        samples: [],
        place: rule.keyPlaces['type'] ?? rule.place,
      });
    }
    planColumn(rule, column, planned, alias, nowEpochSeconds);
  }

  const declared = new Set(schema.columns.map((c) => c.name));
  const extra = columns.filter((c) => !declared.has(c.name)).map((c) => c.name);
  if (extra.length > 0 || schema.strict) {
    staticResults.push({
      name: 'no_extra_columns',
      column: null,
      status: extra.length === 0 ? 'pass' : schema.strict ? 'fail' : 'warn',
      observed: extra.length === 0 ? 'none' : nameList(extra),
      expected: schema.strict ? 'only schema columns (strict)' : 'only schema columns',
      failingRows: null,
      samples: [],
      place: schema.strictPlace,
    });
  }

  schema.checks.forEach((check, i) => {
    const a = alias();
    const failWhere = `(${expressions[i] as string}) IS FALSE`;
    planned.push({
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
    });
  });
  return { static: staticResults, planned };
}

function planColumn(
  rule: ColumnRule,
  column: DataColumn,
  planned: PlannedCheck[],
  alias: () => string,
  now: number,
): void {
  const q = quoteIdent(column.name);
  const placeOf = (key: string): Place => rule.keyPlaces[key] ?? rule.place;
  const rowCheck = (
    name: string,
    key: string,
    failWhere: string,
    expected: string,
    written?: { what: string; hint?: string },
  ): void => {
    const a = alias();
    planned.push({
      ...(written ? { written: [{ place: placeOf(key), ...written }] } : {}),
      aggregates: { [a]: `count(*) FILTER (WHERE ${failWhere})` },
      evaluate: (row) => {
        const failing = toNumber(row[a]);
        return {
          name,
          column: column.name,
          status: failing === 0 ? 'pass' : 'fail',
          observed: plural(failing, 'failing row'),
          expected,
          failingRows: failing,
          samples: [],
          place: placeOf(key),
          failWhere,
        };
      },
    });
  };

  if (rule.nullable === false) rowCheck('not_null', 'nullable', `${q} IS NULL`, 'no nulls');
  if (rule.maxNullFraction !== undefined) {
    const a = alias();
    const limit = rule.maxNullFraction;
    planned.push({
      aggregates: { [a]: `count(*) FILTER (WHERE ${q} IS NULL)` },
      evaluate: (row) => {
        const nulls = toNumber(row[a]);
        const total = toNumber(row['__rows']);
        const fraction = total === 0 ? 0 : nulls / total;
        return {
          name: 'max_null_fraction',
          column: column.name,
          status: fraction <= limit ? 'pass' : 'fail',
          observed: `${formatFraction(fraction)} null (${nulls})`,
          expected: `≤ ${formatFraction(limit)}`,
          failingRows: nulls,
          samples: [],
          place: placeOf('max_null_fraction'),
          failWhere: `${q} IS NULL`,
        };
      },
    });
  }
  if (rule.min !== undefined || rule.max !== undefined) {
    // Each bound counted on its own, so a failure points at the bound that was crossed.
    const bounds = (['min', 'max'] as const).flatMap((key) => {
      const value = rule[key];
      if (value === undefined) return [];
      const where = `${q} ${key === 'min' ? '<' : '>'} ${compareLiteral(value, column.family)}`;
      const text = `${key === 'min' ? '≥' : '≤'} ${literalText(value)}`;
      return [{ key, alias: alias(), where, text }];
    });
    const failWhere = `(${bounds.map((b) => b.where).join(' OR ')})`;
    planned.push({
      written: bounds.map((b) => ({
        place: placeOf(b.key),
        what: `\`${b.key}\` of column \`${column.name}\``,
        hint: `write a value of the column's type (${column.type})`,
        aggregates: { [b.alias]: `count(*) FILTER (WHERE ${b.where})` },
      })),
      aggregates: Object.fromEntries(
        bounds.map((b) => [b.alias, `count(*) FILTER (WHERE ${b.where})`]),
      ),
      evaluate: (row) => {
        const crossed = bounds.filter((b) => toNumber(row[b.alias]) > 0);
        const failing = bounds.reduce((sum, b) => sum + toNumber(row[b.alias]), 0);
        return {
          name: 'range',
          column: column.name,
          status: failing === 0 ? 'pass' : 'fail',
          // `2 failing rows (2 above max)`: which bound was crossed, and how often.
          observed:
            crossed.length === 0
              ? plural(0, 'failing row')
              : `${plural(failing, 'failing row')} (${crossed
                  .map(
                    (b) =>
                      `${toNumber(row[b.alias])} ${b.key === 'min' ? 'below min' : 'above max'}`,
                  )
                  .join(', ')})`,
          expected: bounds.map((b) => b.text).join(' and '),
          failingRows: failing,
          samples: [],
          place: placeOf((crossed[0] ?? bounds[0])?.key ?? 'min'),
          failWhere,
        };
      },
    });
  }
  if (rule.allowed !== undefined) {
    // On a numeric column, `"2.5"` means the number: compared as text, 1 would be `1.0`.
    const asNumber = (v: Literal): number | undefined =>
      typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v) ? Number(v) : undefined;
    const numeric =
      isNumericFamily(column.family) && rule.allowed.every((v) => asNumber(v) !== undefined);
    const target = numeric ? q : `CAST(${q} AS VARCHAR)`;
    const values = rule.allowed.map((v) =>
      numeric ? numberLiteral(asNumber(v) as number) : quoteString(literalText(v)),
    );
    const list = values.length > 0 ? values.join(', ') : 'NULL';
    rowCheck(
      'allowed',
      'allowed',
      `(${q} IS NOT NULL AND ${target} NOT IN (${list}))`,
      `one of ${rule.allowed.map(literalText).join(', ')}`,
      { what: `\`allowed\` of column \`${column.name}\`` },
    );
  }
  if (rule.pattern !== undefined) {
    rowCheck(
      'pattern',
      'pattern',
      `(${q} IS NOT NULL AND NOT regexp_matches(CAST(${q} AS VARCHAR), ${quoteString(rule.pattern)}))`,
      `matches /${rule.pattern}/`,
      {
        what: `\`pattern\` of column \`${column.name}\``,
        hint: 'patterns run as RE2 in DuckDB: no lookarounds such as (?=…) and no backreferences such as \\1',
      },
    );
  }
  if (rule.unique) {
    const nn = alias();
    const distinct = alias();
    planned.push({
      aggregates: { [nn]: `count(${q})`, [distinct]: `count(DISTINCT ${q})` },
      evaluate: (row) => {
        const repeats = toNumber(row[nn]) - toNumber(row[distinct]);
        return {
          name: 'unique',
          column: column.name,
          status: repeats === 0 ? 'pass' : 'fail',
          observed: plural(repeats, 'repeated value'),
          expected: 'all values distinct',
          failingRows: repeats,
          samples: [],
          place: placeOf('unique'),
          failWhere: `${q} IN (SELECT ${q} FROM __source WHERE ${q} IS NOT NULL GROUP BY ${q} HAVING count(*) > 1)`,
        };
      },
    });
  }
  if (rule.maxAge !== undefined) {
    const a = alias();
    const maxAge = rule.maxAge;
    const temporal = column.family === 'date' || column.family === 'timestamp';
    planned.push({
      aggregates: { [a]: temporal ? `epoch(max(${q}))` : 'NULL' },
      evaluate: (row) => {
        const newest = row[a];
        if (!temporal || newest === null || newest === undefined) {
          return {
            name: 'max_age',
            column: column.name,
            status: 'fail',
            observed: temporal ? 'no values' : `not a date/timestamp (${column.type})`,
            expected: `newest ≤ ${maxAge.text} old`,
            failingRows: null,
            samples: [],
            place: placeOf('max_age'),
          };
        }
        const age = now - toNumber(newest);
        // A row dated in the future (past clock skew) would hide stale data behind it: warn.
        const future = age < -FUTURE_TOLERANCE_S;
        return {
          name: 'max_age',
          column: column.name,
          status: future ? 'warn' : age <= maxAge.seconds ? 'pass' : 'fail',
          observed: future
            ? `newest is ${formatAge(-age)} in the future`
            : `newest is ${formatAge(Math.max(age, 0))} old`,
          expected: `≤ ${maxAge.text}`,
          failingRows: null,
          samples: [],
          place: placeOf('max_age'),
        };
      },
    });
  }
}

/** Clock skew between the data's writer and this run that max_age lets pass. */
const FUTURE_TOLERANCE_S = 300;

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

/** Beyond this many extra columns the check names the first ones and counts the rest. */
const LISTED_EXTRA_COLUMNS = 20;

function nameList(names: readonly string[]): string {
  if (names.length <= LISTED_EXTRA_COLUMNS) return names.join(', ');
  const rest = names.length - LISTED_EXTRA_COLUMNS;
  return `${names.slice(0, LISTED_EXTRA_COLUMNS).join(', ')} and ${rest} more`;
}
