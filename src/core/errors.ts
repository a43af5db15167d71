/**
 * Every failure sluice reports carries a meaning, and the meaning is the exit code:
 * 0 pass, 1 verdict failed, 2 usage or bad input, 3 infrastructure.
 * Adapters map these to exit codes and print `message` (+ `hint`) without a stack trace.
 * A failed verdict is not an error: it is the report's `verdict`, which src/app/run-command.ts
 * turns into exit 1 after every report file, output and comment is written (or into a warning
 * with `fail-on-verdict: false`); thrown, it would skip them.
 */
export const ExitCode = { Pass: 0, Verdict: 1, Usage: 2, Infra: 3, Bug: 70 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Where in a user's input a problem sits; rendered as `file:line key`. */
export interface Place {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path inside a structured file, e.g. `metrics.accuracy.direction`. */
  key?: string;
}

export interface ErrorDetails {
  place?: Place;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export abstract class SluiceError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  readonly place: Place | undefined;
  readonly hint: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.place = details.place;
    this.hint = details.hint;
  }
}

/** The user's input is wrong: a flag, a file, a key. Exit 2. */
export class UsageError extends SluiceError {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.Usage;
}

/** A network, registry, API or server failed. Exit 3. */
export class InfraError extends SluiceError {
  override readonly name = 'InfraError';
  readonly exitCode = ExitCode.Infra;
}

export function formatPlace(place: Place | undefined): string {
  if (!place) return '';
  let out = place.file ?? '';
  if (place.line !== undefined)
    out += `:${place.line}${place.column !== undefined ? `:${place.column}` : ''}`;
  if (place.key !== undefined) out += out ? ` (key ${place.key})` : `key ${place.key}`;
  return out;
}

/** `file:line (key k): ` to put before a message about a place, or nothing without one. */
export function placePrefix(place: Place | undefined): string {
  const where = formatPlace(place);
  return where ? `${where}: ` : '';
}

/** One line (or two, with the hint) a person can act on. */
export function describeError(error: SluiceError): string {
  const head = `${placePrefix(error.place)}${error.message}`;
  return error.hint ? `${head}\n  hint: ${error.hint}` : head;
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof SluiceError ? error.exitCode : ExitCode.Bug;
}
