import { FOLLOW_LINKS_INPUT } from './shared.js';
import type { CommandDef } from './types.js';

export const inferSchema = {
  name: 'infer-schema',
  summary: 'Write a starting validate-data schema (YAML) for a dataset to standard output.',
  inputs: [
    {
      name: 'data',
      type: 'list',
      required: true,
      description: 'Data files, globs or folders to infer the schema from.',
    },
    {
      name: 'output',
      type: 'string',
      description:
        'Also write the schema to this file (folders are created); it is printed to standard output either way.',
    },
    FOLLOW_LINKS_INPUT,
  ],
  resultFile: { input: 'output', file: 'schema.yml' },
  outputs: [
    {
      name: 'schema',
      description: 'Path of the schema file written (`output`); empty when none was given.',
    },
  ],
} as const satisfies CommandDef;
