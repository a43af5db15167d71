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
  try {
    return { stdout: await inferSchema(engine, source) };
  } finally {
    await engine.close();
  }
};
