import path from 'node:path';
import { writeUserOutput } from '../files/user-file.js';
import { inferSchema } from '../data/infer.js';
import { resolveSource } from '../data/source.js';
import { openEngine } from './data-engine.js';
import type { CommandImpl } from './types.js';

export const inferSchemaCommand: CommandImpl = async (inputs, deps) => {
  const dataInputs = Array.isArray(inputs['data'])
    ? inputs['data']
    : typeof inputs['data'] === 'string'
      ? [inputs['data']]
      : [];
  const source = await resolveSource(dataInputs, deps.run.cwd, { header: true });
  const engine = await openEngine(deps);
  let schema: string;
  try {
    schema = await inferSchema(engine, source);
  } finally {
    await engine.close();
  }
  const output = typeof inputs['output'] === 'string' ? inputs['output'] : '';
  if (output === '') return { stdout: schema, outputs: { schema: '' } };
  const file = path.resolve(deps.run.cwd, output);
  await writeUserOutput(file, schema, { file: output, what: 'schema', key: 'output' });
  deps.logger.info(`Wrote the schema to ${output}.`);
  return { stdout: schema, outputs: { schema: file } };
};
