/**
 * `npm run bench`: every benchmark beside its peers, as JSON (bench/results.json) and a
 * Markdown table (bench/results.md). `npm run bench -- quality-gate image` runs a subset.
 * Not a test: ratios measured in one run on a shared machine, never timed assertions.
 */
import { writeFileSync } from 'node:fs';
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
const rows: BenchRow[] = [];
for (const name of asked.length > 0 ? asked : Object.keys(suites)) {
  console.error(`== ${name}`);
  rows.push(...(await suites[name]!()));
}
const format = (row: BenchRow) =>
  `${row.value.toFixed(row.unit === '×' ? 2 : row.unit === 'MB' ? 3 : row.value < 10 ? 2 : 0)} ${row.unit}`;
const table = [
  '| benchmark | value | goal | met |',
  '|---|---:|---|---|',
  ...rows.map(
    (row) =>
      `| ${row.name} | ${format(row)} | ${row.goal} | ${row.goal ? (row.met ? 'yes' : 'NO') : ''} |`,
  ),
].join('\n');
writeFileSync(
  path.join(root, 'bench/results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`,
);
writeFileSync(path.join(root, 'bench/results.md'), `${table}\n`);
console.log(table);
