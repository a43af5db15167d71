import { posix, sep } from 'node:path';

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

/** Glob characters, as source.ts reads a path: a glob or a folder may stand for many files. */
const GLOB = /[*?[\]{}]/;

/** A dataset of more than one file: several paths, or a glob (a folder is read as one). */
export function isMultiFile(paths: readonly string[]): boolean {
  return paths.length > 1 || paths.some((path) => GLOB.test(path));
}

/** The folder a data path names files under: a file's folder, a glob's part before the glob. */
export function dataFolder(path: string): string {
  const glob = path.search(GLOB);
  const head = (glob < 0 ? path : path.slice(0, glob)).split(sep).join(posix.sep);
  return head.slice(0, Math.max(0, head.lastIndexOf(posix.sep)));
}

/**
 * Short names for the files sample rows came from: the folder they all share is left out, so
 * `data/multi/a.csv` and `data/multi/b.csv` read `a.csv` and `b.csv`, and hive partitions keep
 * the folders that tell them apart. `folders` (the dataset's own, see dataFolder) bound what is
 * left out, so samples that all sit in `year=2024/` still say so.
 */
export function shortFileNames(
  files: readonly string[],
  folders: readonly string[] = [],
): Map<string, string> {
  const split = files.map((file) => file.split(sep).join(posix.sep).split(posix.sep));
  const all = [
    ...split.map((parts) => parts.slice(0, -1)),
    ...folders.map((folder) => folder.split(sep).join(posix.sep).split(posix.sep)),
  ];
  let common = 0;
  const first = all[0] ?? [];
  while (
    common < first.length &&
    all.every((parts) => parts.length > common && parts[common] === first[common])
  )
    common++;
  return new Map(files.map((file, index) => [file, (split[index] ?? []).slice(common).join('/')]));
}
