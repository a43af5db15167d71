/**
 * The benchmark's datasets, made by DuckDB itself (seconds, not minutes): `rows` rows × 12
 * columns as CSV and Parquet, and a reference of the same shape with a few columns shifted.
 * Files are reused when present, so a second run measures only the validation.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createDuckDbEngine } from '../../src/clients/duckdb/engine.js';

/** Twelve columns of the usual kinds; `shift` moves income and score and skews country. */
export function rowsSql(rows: number, seed: number, shift = 0): string {
  return `SELECT
    i AS id,
    18 + (hash(i, ${seed}) % 80)::INTEGER AS age,
    round(30000 + 20000 * sqrt(-2 * ln(((hash(i, ${seed} + 1) % 999983) + 1) / 999984.0)) * cos(2 * pi() * ((hash(i, ${seed} + 2) % 1000) / 1000.0)) + ${shift * 5000}, 2) AS income,
    round(((hash(i, ${seed} + 3) % 10000) / 100.0) + ${shift * 5}, 2) AS score,
    ['US','DE','FR','GB','JP'][1 + (hash(i, ${seed} + 4) % ${shift > 0 ? 3 : 5})::INTEGER] AS country,
    'seg' || (hash(i, ${seed} + 5) % 10)::INTEGER AS segment,
    'user' || i || '@example.com' AS email,
    TIMESTAMP '2026-01-01 00:00:00' + to_seconds((hash(i, ${seed} + 6) % 864000)::BIGINT) AS signup,
    (hash(i, ${seed} + 7) % 2) = 0 AS active,
    (hash(i, ${seed} + 8) % 500)::INTEGER AS clicks,
    CASE WHEN hash(i, ${seed} + 9) % 100 = 0 THEN NULL ELSE round((hash(i, ${seed} + 10) % 100000) / 100.0, 2) END AS price,
    'cat' || (hash(i, ${seed} + 11) % 50)::INTEGER AS category
  FROM range(${rows}) t(i)`;
}

export interface BenchFiles {
  csv: string;
  parquet: string;
  referenceCsv: string;
  referenceParquet: string;
  subsetCsv: string;
  subsetReferenceCsv: string;
  schema: string;
  /** The same schema without its drift section: exactly the checks the Python validators run. */
  checksSchema: string;
}

export async function generate(dir: string, rows: number, subsetRows: number): Promise<BenchFiles> {
  await mkdir(dir, { recursive: true });
  const files: BenchFiles = {
    csv: path.join(dir, `current-${rows}.csv`),
    parquet: path.join(dir, `current-${rows}.parquet`),
    referenceCsv: path.join(dir, `reference-${rows}.csv`),
    referenceParquet: path.join(dir, `reference-${rows}.parquet`),
    subsetCsv: path.join(dir, `current-${subsetRows}.csv`),
    subsetReferenceCsv: path.join(dir, `reference-${subsetRows}.csv`),
    schema: path.join(dir, 'schema.yml'),
    checksSchema: path.join(dir, 'schema-checks.yml'),
  };
  const engine = await createDuckDbEngine();
  try {
    const make = async (target: string, sql: string, format: string): Promise<void> => {
      if (existsSync(target)) return;
      const partial = `${target}.partial`;
      await engine.query(`COPY (${sql}) TO '${partial}' (FORMAT ${format})`);
      const { rename } = await import('node:fs/promises');
      await rename(partial, target);
    };
    await make(files.csv, rowsSql(rows, 1, 1), 'csv');
    await make(files.parquet, `SELECT * FROM read_csv('${files.csv}')`, 'parquet');
    await make(files.referenceCsv, rowsSql(rows, 2), 'csv');
    await make(
      files.referenceParquet,
      `SELECT * FROM read_csv('${files.referenceCsv}')`,
      'parquet',
    );
    await make(
      files.subsetCsv,
      `SELECT * FROM read_csv('${files.csv}') ORDER BY id LIMIT ${subsetRows}`,
      'csv',
    );
    await make(
      files.subsetReferenceCsv,
      `SELECT * FROM read_csv('${files.referenceCsv}') ORDER BY id LIMIT ${subsetRows}`,
      'csv',
    );
  } finally {
    await engine.close();
  }
  const { writeFile } = await import('node:fs/promises');
  await writeFile(files.schema, SCHEMA);
  await writeFile(files.checksSchema, SCHEMA.slice(0, SCHEMA.indexOf('drift:')));
  return files;
}

/** The checks every tool runs (the Python peers implement the same list). */
export const SCHEMA = `columns:
  id:       { type: integer, nullable: false, unique: true }
  age:      { type: integer, nullable: false, min: 18, max: 97 }
  income:   { type: float }
  score:    { type: float, min: 0, max: 110 }
  country:  { type: string, allowed: [US, DE, FR, GB, JP] }
  segment:  { type: string, nullable: false }
  email:    { type: string, pattern: '^[^@]+@[^@]+$' }
  signup:   { type: timestamp }
  active:   { type: boolean }
  clicks:   { type: integer, min: 0, max: 499 }
  price:    { type: float, min: 0, max_null_fraction: 0.02 }
  category: { type: string }
strict: true
rows: { min: 1 }
duplicates: { max_fraction: 0 }
checks:
  - name: positive_price
    sql: price >= 0
    max_failures: 0
drift:
  # What \`all\` measured before unique keys were left out of it (every column but the time
  # column signup): the same work as the earlier runs, and as Evidently's, which measures id too.
  columns: [id, age, income, score, country, segment, email, active, clicks, price, category]
  method: auto
`;
