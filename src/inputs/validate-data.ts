import type { CommandDef } from './types.js';
import { REPORT_OUTPUT, forgeInputs, reportInputs, FOLLOW_LINKS_INPUT } from './shared.js';

export const validateData = {
  name: 'validate-data',
  summary:
    'Check a dataset against a YAML schema (types, nulls, ranges, patterns, uniqueness, freshness) and measure drift against a reference, with DuckDB.',
  inputs: [
    {
      name: 'data',
      type: 'list',
      required: true,
      description:
        'Data files, globs or folders (CSV/TSV, gzip/zstd too, Parquet, JSON lines; hive partitions), one per line or comma-separated.',
    },
    {
      name: 'schema',
      type: 'string',
      required: true,
      description:
        'Schema file (YAML): columns with type, nullable, min/max, allowed, pattern, unique, max_age; strict; rows; duplicates; checks; drift.',
    },
    {
      name: 'reference',
      type: 'string',
      description: 'Reference data for drift; overrides `drift.reference` in the schema.',
    },
    ...reportInputs('validate-data'),
    ...forgeInputs,
    FOLLOW_LINKS_INPUT,
  ],
  outputs: [
    {
      name: 'passed',
      description: '`true` when every check passed and no dataset drift was found.',
    },
    {
      name: 'failed-checks',
      description: 'Comma-separated names of the failed checks (`column: check`).',
    },
    REPORT_OUTPUT,
  ],
} as const satisfies CommandDef;
