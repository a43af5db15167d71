import { stringify } from 'yaml';
import type { SqlEngine } from './engine.js';
import { describeSource } from './validate.js';
import { scanSql } from './source.js';
import type { DataSource } from './source.js';
import { isNumericFamily, quoteIdent } from './sql.js';
import { toNumber } from './checks.js';

/** A starting schema from the data: types, nullability, observed ranges, small category sets. */
export async function inferSchema(engine: SqlEngine, source: DataSource): Promise<string> {
  const columns = await describeSource(engine, source);
  const parts: string[] = ['count(*) AS __rows'];
  columns.forEach((c, i) => {
    const q = quoteIdent(c.name);
    parts.push(`count(${q}) AS n${i}`, `approx_count_distinct(${q}) AS d${i}`);
    if (isNumericFamily(c.family)) parts.push(`min(${q}) AS lo${i}`, `max(${q}) AS hi${i}`);
    if (c.family === 'string')
      parts.push(
        `(SELECT list(v ORDER BY v) FROM (SELECT DISTINCT ${q} AS v FROM ${scanSql(source)} WHERE ${q} IS NOT NULL LIMIT 21)) AS cats${i}`,
      );
  });
  const [row] = await engine.query(`SELECT ${parts.join(', ')} FROM ${scanSql(source)}`);
  const rows = toNumber(row?.['__rows']);
  const out: Record<string, Record<string, unknown>> = {};
  columns.forEach((c, i) => {
    const rule: Record<string, unknown> = {};
    const type = c.family === 'other' ? 'string' : c.family;
    rule['type'] = type;
    const nn = toNumber(row?.[`n${i}`]);
    if (nn === rows) rule['nullable'] = false;
    if (isNumericFamily(c.family)) {
      rule['min'] = toNumber(row?.[`lo${i}`]);
      rule['max'] = toNumber(row?.[`hi${i}`]);
    }
    const cats = row?.[`cats${i}`];
    if (Array.isArray(cats) && cats.length > 0 && cats.length <= 20 && cats.length < nn / 2)
      rule['allowed'] = cats;
    if (toNumber(row?.[`d${i}`]) >= nn && nn > 0 && nn === rows && c.family === 'string')
      rule['unique'] = true;
    out[c.name] = rule;
  });
  const doc = { columns: out, strict: true, rows: { min: 1 } };
  return `# Inferred by \`sluice infer-schema\` from ${source.label}: review before relying on it.\n${stringify(doc)}`;
}
