import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { decodeText } from '../text/utf8.js';
import { expandBraces } from '../data/brace-globs.js';
import { buildValidationReport, checkAnnotation } from '../data/report.js';
import { parseSchema } from '../data/schema.js';
import { resolveSource } from '../data/source.js';
import { validateData } from '../data/validate.js';
import { openEngine } from './data-engine.js';
import { formatBytes, withProgress } from '../data/progress.js';
import type { CommandImpl } from './types.js';

export const validateDataCommand: CommandImpl = async (inputs, deps) => {
  const cwd = deps.run.cwd;
  const schemaInput = inputs['schema'];
  if (typeof schemaInput !== 'string' || schemaInput === '')
    throw new UsageError('--schema is required', { place: { key: 'schema' } });
  const schemaPath = resolve(cwd, schemaInput);
  const bytes = await readFile(schemaPath).catch(() => {
    throw new UsageError(`schema file not found: ${schemaInput}`, {
      place: { file: schemaInput, key: 'schema' },
      hint: 'create one with `sluice infer-schema --data <file> > schema.yml`',
    });
  });
  const text = decodeText(bytes, schemaInput, 'the schema file');
  const schema = parseSchema(text, schemaInput, (dir, path) => resolve(cwd, dir, path));
  const dataInputs = Array.isArray(inputs['data'])
    ? inputs['data']
    : typeof inputs['data'] === 'string'
      ? [inputs['data']]
      : [];
  const data = await resolveSource(dataInputs.flatMap(expandBraces), cwd, schema.csv);
  const referenceInput = typeof inputs['reference'] === 'string' ? inputs['reference'] : undefined;
  const reference = referenceInput
    ? await resolveSource(expandBraces(referenceInput), cwd, schema.csv, '--reference')
    : schema.drift?.reference
      ? await resolveSource(
          expandBraces(schema.drift.reference),
          cwd,
          schema.csv,
          'drift.reference',
        )
      : undefined;
  if (reference && !schema.drift)
    schema.drift = { columns: 'all', method: 'auto', place: schema.place };

  const quiet = inputs['format'] === 'json';
  const opened = await openEngine(deps);
  const clockMs = (): number => deps.clock.now().getTime();
  const engine = quiet
    ? opened
    : withProgress(opened, { log: (line) => deps.logger.info(line), clockMs });
  try {
    const result = await validateData({
      engine,
      schema,
      data,
      ...(reference ? { reference } : {}),
      now: deps.clock.now(),
      clockMs,
    });
    if (!quiet) {
      const seconds = Math.max(result.scanMs, 1) / 1000;
      deps.logger.info(
        `scanned ${result.rows} rows × ${result.columns.length} columns in ${seconds.toFixed(2)} s (${Math.round(result.rows / seconds)} rows/s${result.bytes !== undefined ? `, ${formatBytes(result.bytes)}` : ''})`,
      );
    }
    // Each failed or warned check on its schema line, where the forge shows annotations.
    for (const check of result.checks) {
      if (check.status === 'pass') continue;
      deps.logger.annotate?.(
        check.status === 'fail' ? 'error' : 'warning',
        checkAnnotation(check),
        check.place,
      );
    }
    const key = typeof inputs['report-key'] === 'string' ? inputs['report-key'] : 'validate-data';
    return {
      report: buildValidationReport(result, {
        key,
        schemaFile: schemaInput,
        dataLabel: data.label,
        dataPaths: data.paths,
        ...(schema.drift?.minEffect !== undefined ? { minEffect: schema.drift.minEffect } : {}),
      }),
    };
  } finally {
    await engine.close();
  }
};
