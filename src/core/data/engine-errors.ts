import { InfraError, UsageError } from '../errors.js';
import type { Place } from '../errors.js';
import { singleFile } from './source.js';
import type { DataSource } from './source.js';

/**
 * Turns what DuckDB says about bad input into a UsageError that names the file and line.
 * Anything else (out of memory, a bug) is rethrown unchanged.
 */
export function translateEngineError(
  error: unknown,
  source: DataSource,
  context?: { place?: Place; what?: string },
): never {
  const message = error instanceof Error ? error.message : String(error);
  const csvLine = /CSV Error on Line: (\d+)/.exec(message);
  const fileMatch = /^\s*file = (.+)$/m.exec(message);
  // One plain file keeps the name the user gave; a glob or a list names the file at fault.
  const plain = singleFile(source);
  const file = plain ? source.label : (fileMatch?.[1]?.trim() ?? source.label);
  if (csvLine) {
    const conversion = /Error when converting column "([^"]+)"\. (.+)/.exec(message);
    // `.` stops at a CR too: a CRLF file's line would end there, or show as empty.
    const original = /Original Line: \r?\n?([^\r\n]*)/.exec(message)?.[1];
    const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
    const detail = conversion
      ? `column \`${conversion[1]}\`: ${conversion[2]}`
      : fields
        ? `${fields[2]} fields where the header has ${fields[1]}`
        : firstLine(message.slice(message.indexOf('\n') + 1).replace(/^Original Line:.*$/m, ''));
    throw new UsageError(
      `${detail}${original !== undefined ? ` (line: ${truncate(original)})` : ''}`,
      {
        place: { file, line: Number(csvLine[1]) },
        hint: conversion
          ? 'fix the value, or declare the column with the type its values have'
          : 'check the delimiter and that every row has the same number of fields',
      },
    );
  }
  const json = /JSON transform error in file "([^"]+)", in line (\d+): (.+)/.exec(message);
  if (json) {
    throw new UsageError(`a value does not fit its column’s type: ${json[3]}`, {
      place: { file: plain ? source.label : (json[1] as string), line: Number(json[2]) },
      hint: 'fix the value, or declare the column with the type its values have',
    });
  }
  if (/Out of Memory Error/.test(message)) {
    throw new InfraError(
      `DuckDB ran out of memory reading ${source.label}: ${firstLine(message)}`,
      {
        hint: 'a bug report with the number of columns and rows helps: sluice keeps DuckDB within 384 MB',
      },
    );
  }
  if (/No files found that match the pattern/.test(message)) {
    throw new UsageError(`no files match ${source.label}`, { place: { file: source.label } });
  }
  if (/Error when sniffing file|not possible to automatically detect the CSV/.test(message)) {
    throw new UsageError(
      'cannot read it as CSV: rows have different numbers of fields, or the delimiter is wrong',
      {
        place: { file },
        hint: 'set `csv: { delimiter: ";" }` in the schema when it is not a comma',
      },
    );
  }
  if (
    /No magic bytes|Invalid Input Error|IO Error|Malformed JSON|Parser Error: .*JSON|Corrupt|corrupt|Invalid Error|ZSTD|GZIP|gzip/.test(
      message,
    ) &&
    !context?.place
  ) {
    throw new UsageError(`cannot read the data: ${firstLine(message)}`, {
      place: { file },
      hint: 'check the file is complete and its extension matches its format',
    });
  }
  if (
    context?.place &&
    /Binder Error|Parser Error|Conversion Error|Catalog Error|Invalid Input Error/.test(message)
  ) {
    throw new UsageError(`${context.what ?? 'SQL'} failed: ${firstLine(message)}`, {
      place: context.place,
    });
  }
  throw error;
}

function firstLine(text: string): string {
  return truncate(text.split('\n').find((line) => line.trim() !== '') ?? text);
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
