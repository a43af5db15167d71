import type { SqlEngine, SqlRow } from './engine.js';
import { translateEngineError } from './engine-errors.js';
import { toNumber } from './checks.js';
import type { DataColumn } from './checks.js';
import type { DriftConfig } from './schema.js';
import { scanSql } from './source.js';
import type { DataSource } from './source.js';
import { UsageError } from '../errors.js';

/** A name in `drift.columns` the data does not have is a typo until shown otherwise. */
export function namedDriftColumnsExist(
  config: DriftConfig,
  columns: readonly DataColumn[],
  data: DataSource,
): void {
  if (config.columns === 'all') return;
  const present = new Set(columns.map((c) => c.name));
  const index = config.columns.findIndex((name) => !present.has(name));
  if (index < 0) return;
  throw new UsageError(
    `\`drift.columns\` names \`${config.columns[index]}\`, which ${data.label} does not have`,
    {
      place: config.columnPlaces?.[index] ?? config.place,
      hint: `its columns: ${listed(columns.map((c) => c.name))}`,
    },
  );
}

/** A reference with none of the data's columns is empty, was read wrongly, or is the wrong file. */
export async function sharesColumns(
  engine: SqlEngine,
  reference: { columns: readonly DataColumn[]; types: Record<string, string> },
  columns: readonly DataColumn[],
  source: DataSource,
  data: DataSource,
): Promise<void> {
  const names = new Set(columns.map((c) => c.name));
  if (reference.columns.some((c) => names.has(c.name))) return;
  await notEmpty(engine, scanSql(source, { types: reference.types }), source);
  throw new UsageError(`the reference has none of the columns of ${data.label}`, {
    place: { file: source.label },
    hint: `the reference's columns: ${listed(reference.columns.map((c) => c.name))}; the data's: ${listed([...names])}`,
  });
}

export async function notEmpty(engine: SqlEngine, scan: string, source: DataSource): Promise<void> {
  let rows: SqlRow[];
  try {
    rows = await engine.query(`SELECT count(*) AS n FROM ${scan}`);
  } catch (error) {
    translateEngineError(error, source);
  }
  if (toNumber(rows[0]?.['n']) === 0)
    throw new UsageError('the reference is empty (no rows)', { place: { file: source.label } });
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `\`${n}\``);
  return names.length > 12 ? `${shown.join(', ')} and ${names.length - 12} more` : shown.join(', ');
}
