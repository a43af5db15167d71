import type { Place } from '../errors.js';
import type { ColumnRule, Literal } from './schema.js';
import { formatFraction, toNumber } from './checks.js';
import type { DataColumn, PlannedCheck } from './checks.js';
import { isNumericFamily, literalSql, numberLiteral, quoteIdent, quoteString } from './sql.js';
import type { TypeFamily } from './sql.js';
import { plural } from '../text/plural.js';

/** What every planner of one column's checks works from. */
interface ColumnPlanning {
  rule: ColumnRule;
  column: DataColumn;
  /** The column's name quoted for SQL. */
  q: string;
  /** Where the column's `key` is written (the column's own line when it is not). */
  placeOf(key: string): Place;
  /** A fresh aggregate alias, unique within the scan. */
  alias(): string;
  /** Seconds since the epoch, for `max_age`. */
  now: number;
}

/** Compiles one column's rules (the ones that read rows) into checks for the single scan. */
export function planColumn(
  rule: ColumnRule,
  column: DataColumn,
  alias: () => string,
  now: number,
): PlannedCheck[] {
  const p: ColumnPlanning = {
    rule,
    column,
    q: quoteIdent(column.name),
    placeOf: (key) => rule.keyPlaces[key] ?? rule.place,
    alias,
    now,
  };
  const planned: PlannedCheck[] = [];
  if (rule.nullable === false)
    planned.push(rowCheck(p, 'not_null', 'nullable', `${p.q} IS NULL`, 'no nulls'));
  if (rule.maxNullFraction !== undefined) planned.push(planNullFraction(p, rule.maxNullFraction));
  if (rule.min !== undefined || rule.max !== undefined) planned.push(planRange(p));
  if (rule.allowed !== undefined) planned.push(planAllowed(p, rule.allowed));
  if (rule.pattern !== undefined) planned.push(planPattern(p, rule.pattern));
  if (rule.unique) planned.push(planUnique(p));
  if (rule.maxAge !== undefined) planned.push(planMaxAge(p, rule.maxAge));
  return planned;
}

/** A check that passes when no row matches `failWhere`. */
function rowCheck(
  p: ColumnPlanning,
  name: string,
  key: string,
  failWhere: string,
  expected: string,
  written?: { what: string; hint?: string },
): PlannedCheck {
  const a = p.alias();
  return {
    ...(written ? { written: [{ place: p.placeOf(key), ...written }] } : {}),
    aggregates: { [a]: `count(*) FILTER (WHERE ${failWhere})` },
    evaluate: (row) => {
      const failing = toNumber(row[a]);
      return {
        name,
        column: p.column.name,
        status: failing === 0 ? 'pass' : 'fail',
        observed: plural(failing, 'failing row'),
        expected,
        failingRows: failing,
        samples: [],
        place: p.placeOf(key),
        failWhere,
      };
    },
  };
}

function planNullFraction(p: ColumnPlanning, limit: number): PlannedCheck {
  const a = p.alias();
  return {
    aggregates: { [a]: `count(*) FILTER (WHERE ${p.q} IS NULL)` },
    evaluate: (row) => {
      const nulls = toNumber(row[a]);
      const total = toNumber(row['__rows']);
      const fraction = total === 0 ? 0 : nulls / total;
      return {
        name: 'max_null_fraction',
        column: p.column.name,
        status: fraction <= limit ? 'pass' : 'fail',
        observed: `${formatFraction(fraction)} null (${nulls})`,
        expected: `≤ ${formatFraction(limit)}`,
        failingRows: nulls,
        samples: [],
        place: p.placeOf('max_null_fraction'),
        failWhere: `${p.q} IS NULL`,
      };
    },
  };
}

function planRange(p: ColumnPlanning): PlannedCheck {
  const { rule, column, q } = p;
  // Each bound counted on its own, so a failure points at the bound that was crossed.
  const bounds = (['min', 'max'] as const).flatMap((key) => {
    const value = rule[key];
    if (value === undefined) return [];
    const where = `${q} ${key === 'min' ? '<' : '>'} ${compareLiteral(value, column.family)}`;
    const text = `${key === 'min' ? '≥' : '≤'} ${literalText(value)}`;
    return [{ key, alias: p.alias(), where, text }];
  });
  const failWhere = `(${bounds.map((b) => b.where).join(' OR ')})`;
  return {
    written: bounds.map((b) => ({
      place: p.placeOf(b.key),
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
                  (b) => `${toNumber(row[b.alias])} ${b.key === 'min' ? 'below min' : 'above max'}`,
                )
                .join(', ')})`,
        expected: bounds.map((b) => b.text).join(' and '),
        failingRows: failing,
        samples: [],
        place: p.placeOf((crossed[0] ?? bounds[0])?.key ?? 'min'),
        failWhere,
      };
    },
  };
}

/** A number written as text: `2`, `-0.5`, `1e3`. */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function planAllowed(p: ColumnPlanning, allowed: readonly Literal[]): PlannedCheck {
  const { column, q } = p;
  // On a numeric column, `"2.5"` means the number: compared as text, 1 would be `1.0`.
  const asNumber = (v: Literal): number | undefined =>
    typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v) ? Number(v) : undefined;
  const numeric = isNumericFamily(column.family) && allowed.every((v) => asNumber(v) !== undefined);
  const target = numeric ? q : `CAST(${q} AS VARCHAR)`;
  const values = allowed.map((v) =>
    numeric ? numberLiteral(asNumber(v) as number) : quoteString(literalText(v)),
  );
  const list = values.length > 0 ? values.join(', ') : 'NULL';
  return rowCheck(
    p,
    'allowed',
    'allowed',
    `(${q} IS NOT NULL AND ${target} NOT IN (${list}))`,
    `one of ${allowed.map(literalText).join(', ')}`,
    { what: `\`allowed\` of column \`${column.name}\`` },
  );
}

function planPattern(p: ColumnPlanning, pattern: string): PlannedCheck {
  const { q } = p;
  return rowCheck(
    p,
    'pattern',
    'pattern',
    `(${q} IS NOT NULL AND NOT regexp_matches(CAST(${q} AS VARCHAR), ${quoteString(pattern)}))`,
    `matches /${pattern}/`,
    {
      what: `\`pattern\` of column \`${p.column.name}\``,
      hint: 'patterns run as RE2 in DuckDB: no lookarounds such as (?=…) and no backreferences such as \\1',
    },
  );
}

function planUnique(p: ColumnPlanning): PlannedCheck {
  const { q } = p;
  const nn = p.alias();
  const distinct = p.alias();
  return {
    aggregates: { [nn]: `count(${q})`, [distinct]: `count(DISTINCT ${q})` },
    evaluate: (row) => {
      const repeats = toNumber(row[nn]) - toNumber(row[distinct]);
      return {
        name: 'unique',
        column: p.column.name,
        status: repeats === 0 ? 'pass' : 'fail',
        observed: plural(repeats, 'repeated value'),
        expected: 'all values distinct',
        failingRows: repeats,
        samples: [],
        place: p.placeOf('unique'),
        failWhere: `${q} IN (SELECT ${q} FROM __source WHERE ${q} IS NOT NULL GROUP BY ${q} HAVING count(*) > 1)`,
      };
    },
  };
}

/** Clock skew between the data's writer and this run that max_age lets pass. */
const FUTURE_TOLERANCE_S = 300;

function planMaxAge(p: ColumnPlanning, maxAge: { text: string; seconds: number }): PlannedCheck {
  const { column, q } = p;
  const a = p.alias();
  const temporal = column.family === 'date' || column.family === 'timestamp';
  return {
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
          place: p.placeOf('max_age'),
        };
      }
      const age = p.now - toNumber(newest);
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
        place: p.placeOf('max_age'),
      };
    },
  };
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
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
