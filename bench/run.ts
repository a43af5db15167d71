/**
 * `npm run bench`: every benchmark beside its peers, as JSON (bench/results.json) and a
 * Markdown table (bench/results.md). `npm run bench -- quality-gate image` runs a subset and
 * replaces only those suites' rows, keeping the others with the date they were measured.
 * Not a test: ratios measured in one run on a shared machine, never timed assertions; each
 * ratio's two sides are always measured in the same run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchData } from './data/run.js';
import { benchImage } from './image/run.js';
import { benchPredictions } from './predictions.js';
import { benchQualityGate, type BenchRow } from './quality-gate.js';
import { benchRollout } from './rollout.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const suites: Record<string, () => Promise<BenchRow[]> | BenchRow[]> = {
  'quality-gate': () => benchQualityGate(root),
  data: () => benchData(root),
  image: () => benchImage(root),
  rollout: () => benchRollout(),
  predictions: () => benchPredictions(root),
};
const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = asked.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(suites).join(', ')}`,
  );
  process.exit(2);
}
interface SuiteResult {
  suite: string;
  date: string;
  rows: BenchRow[];
}
const resultsFile = path.join(root, 'bench/results.json');
const earlier: SuiteResult[] = existsSync(resultsFile)
  ? ((JSON.parse(readFileSync(resultsFile, 'utf8')) as { suites?: SuiteResult[] }).suites ?? [])
  : [];
const results = new Map(earlier.map((result) => [result.suite, result]));
for (const name of asked.length > 0 ? asked : Object.keys(suites)) {
  console.error(`== ${name}`);
  results.set(name, { suite: name, date: new Date().toISOString(), rows: await suites[name]!() });
}
const ordered = Object.keys(suites).flatMap((name) => results.get(name) ?? []);
const rows = ordered.flatMap((result) =>
  result.rows.map((row) => ({ ...row, when: result.date.slice(0, 16).replace('T', ' ') })),
);
const format = (row: BenchRow) =>
  `${row.value.toFixed(row.unit === '×' ? 2 : row.unit === 'MB' ? 3 : row.value < 10 ? 2 : 0)} ${row.unit}`;
const table = [
  '| benchmark | value | goal | met | measured (UTC) |',
  '|---|---:|---|---|---|',
  ...rows.map(
    (row) =>
      `| ${row.name} | ${format(row)} | ${row.goal} | ${row.goal ? (row.met ? 'yes' : 'NO') : ''} | ${row.when} |`,
  ),
].join('\n');
writeFileSync(resultsFile, `${JSON.stringify({ suites: ordered }, null, 2)}\n`);
writeFileSync(path.join(root, 'bench/results.md'), `${table}\n`);
console.log(table);
