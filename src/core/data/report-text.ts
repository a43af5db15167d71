import { posix, sep } from 'node:path';

/** `1 warning`, `2 warnings`; irregular plurals are passed in. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** A drift statistic or p-value: 4 significant digits, exponent form for the tiny and huge. */
export function fmt(value: number | null, digits = 4): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6))
    return value.toExponential(2);
  return String(Number(value.toPrecision(digits)));
}

/**
 * A profile value (mean, quantile): 6 significant digits, and never rounded into its integer
 * part, so a mean of 2023.5 reads 2023.5 and one of 1234567.25 reads 1234567. Exponent form only
 * below 1e-4 and from 1e15, where plain digits stop being readable.
 */
export function profileNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude < 1e-4 || magnitude >= 1e15) return value.toExponential(5).replace(/\.?0+e/, 'e');
  const integerDigits = Math.max(1, Math.floor(Math.log10(magnitude)) + 1);
  return String(Number(value.toPrecision(Math.min(15, Math.max(6, integerDigits)))));
}

/**
 * Short names for the files sample rows came from: the folder they all share is left out, so
 * `data/multi/a.csv` and `data/multi/b.csv` read `a.csv` and `b.csv`, and hive partitions keep
 * the folders that tell them apart.
 */
export function shortFileNames(files: readonly string[]): Map<string, string> {
  const split = files.map((file) => file.split(sep).join(posix.sep).split(posix.sep));
  const folders = split.map((parts) => parts.slice(0, -1));
  let common = 0;
  const first = folders[0] ?? [];
  while (
    common < first.length &&
    folders.every((parts) => parts.length > common && parts[common] === first[common])
  )
    common++;
  return new Map(files.map((file, index) => [file, (split[index] ?? []).slice(common).join('/')]));
}
