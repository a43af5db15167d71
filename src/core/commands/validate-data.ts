import { resolve } from 'node:path';
import type { Place } from '../errors.js';
import { refuseOutsideWorkingDirectory } from '../files/contained.js';
import { readUserText } from '../files/user-file.js';
import { expandBraces } from '../data/brace-globs.js';
import { buildValidationReport, checkAnnotation } from '../data/report.js';
import { parseSchema } from '../data/schema.js';
import type { CsvOptions } from '../data/schema.js';
import { resolveSource } from '../data/source.js';
import type { DataSource } from '../data/source.js';
import { validateData } from '../data/validate.js';
import { openEngine } from './data-engine.js';
import { formatBytes, withProgress } from '../data/progress.js';
import type { validateData as validateDataDef } from '../../inputs/validate-data.js';
import type { InputsOf } from '../../inputs/types.js';
import type { CommandImpl } from './types.js';

/** validate-data's inputs, typed by its definition. */
export type ValidateDataInputs = InputsOf<typeof validateDataDef>;

export const validateDataCommand: CommandImpl<ValidateDataInputs> = async (inputs, deps) => {
  const cwd = deps.run.cwd;
  const schemaInput = inputs.schema;
  const schemaPath = resolve(cwd, schemaInput);
  const links = { root: cwd, followOutside: inputs['follow-links-outside'] };
  const text = await readUserText(
    schemaPath,
    {
      file: schemaInput,
      what: 'schema file',
      key: 'schema',
      notFoundHint: 'create one with `sluice infer-schema --data <file> > schema.yml`',
    },
    { links },
  );
  const schema = parseSchema(text, schemaInput, (dir, path) => resolve(cwd, dir, path));
  const data = {
    ...(await resolveSource(inputs.data.flatMap(expandBraces), cwd, schema.csv)),
    links,
  };
  const referenceInput = inputs.reference;
  const reference = referenceInput
    ? {
        ...(await resolveSource(expandBraces(referenceInput), cwd, schema.csv, '--reference')),
        links,
      }
    : schema.drift?.reference
      ? {
          ...(await resolveSchemaReference(
            schema.drift.reference,
            schema.drift.place,
            cwd,
            schema.csv,
          )),
          links,
        }
      : undefined;
  if (reference && !schema.drift)
    schema.drift = { columns: 'all', method: 'auto', place: schema.place };

  const quiet = inputs.format === 'json';
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
    return {
      report: buildValidationReport(result, {
        key: inputs['report-key'],
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

/**
 * The schema's own `drift.reference`: a pull request can change the schema, so the path it
 * names is kept inside the working directory (`--reference` is the workflow's and may go anywhere).
 */
async function resolveSchemaReference(
  reference: string,
  drift: Place | undefined,
  cwd: string,
  csv: CsvOptions,
): Promise<DataSource> {
  const patterns = expandBraces(reference);
  await refuseOutsideWorkingDirectory(
    cwd,
    patterns,
    { ...drift, key: 'drift.reference' },
    "keep the reference data in the repository, or give its path with --reference (the workflow's input, not the schema)",
  );
  return resolveSource(patterns, cwd, csv, 'drift.reference');
}
