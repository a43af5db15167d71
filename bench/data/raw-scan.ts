/**
 * The floor: one plain DuckDB scan of each file given, reading every column (count, min, max),
 * with DuckDB's default settings. validate-data's time is compared with this.
 */
import { loadDuckDb } from '../../src/clients/duckdb/load-module.js';

const duckdb = await loadDuckDb();
const instance = await duckdb.DuckDBInstance.create(':memory:');
const connection = await instance.connect();
for (const file of process.argv.slice(2)) {
  const reader = file.endsWith('.parquet') ? 'read_parquet' : 'read_csv';
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}('${file}')`);
  const columns = described.getRowObjects().map((r) => `"${String(r['column_name'])}"`);
  const aggregates = columns.map((c) => `min(${c}), max(${c})`).join(', ');
  await connection.runAndReadAll(`SELECT count(*), ${aggregates} FROM ${reader}('${file}')`);
}
connection.closeSync();
instance.closeSync();
