import type { CommandDef } from './types.js';

export const inferSchema: CommandDef = {
  name: 'infer-schema',
  summary: 'Write a starting validate-data schema (YAML) for a dataset to standard output.',
  inputs: [
    {
      name: 'data',
      type: 'list',
      required: true,
      description: 'Data files, globs or folders to infer the schema from.',
    },
  ],
  outputs: [],
};
