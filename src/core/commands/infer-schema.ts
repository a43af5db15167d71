import path from 'node:path';
import { writeUserOutput } from '../files/user-file.js';
import { inferSchema } from '../data/infer.js';
import { resolveSource } from '../data/source.js';
import { openEngine } from './data-engine.js';
import type { inferSchema as inferSchemaDef } from '../../inputs/infer-schema.js';
import type { InputsOf } from '../../inputs/types.js';
import type { CommandImpl } from './types.js';

/** infer-schema's inputs, typed by its definition. */
export type InferSchemaInputs = InputsOf<typeof inferSchemaDef>;

export const inferSchemaCommand: CommandImpl<InferSchemaInputs> = async (inputs, deps) => {
  const source = {
    ...(await resolveSource(inputs.data, deps.run.cwd, { header: true })),
    links: { root: deps.run.cwd, followOutside: inputs['follow-links-outside'] },
  };
  const engine = await openEngine(deps);
  let schema: string;
  try {
    schema = await inferSchema(engine, source);
  } finally {
    await engine.close();
  }
  const output = inputs.output;
  if (output === undefined) return { stdout: schema, outputs: { schema: '' } };
  const file = path.resolve(deps.run.cwd, output);
  await writeUserOutput(file, schema, { file: output, what: 'schema', key: 'output' });
  deps.logger.info(`Wrote the schema to ${output}.`);
  return { stdout: schema, outputs: { schema: file } };
};
