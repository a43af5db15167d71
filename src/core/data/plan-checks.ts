import type { ColumnRule, DataSchema, RowCheck } from './schema.js';
import { toNumber } from './checks.js';
import type { CheckResult, DataColumn, PlannedCheck } from './checks.js';
import { planColumn } from './column-checks.js';
import { typeSatisfies } from './sql.js';
import { plural } from '../text/plural.js';

interface CheckPlan {
  /** Checks decided without scanning (missing columns, types, strictness). */
  static: CheckResult[];
  planned: PlannedCheck[];
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
