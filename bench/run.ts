/** `npm run bench`: every benchmark, as JSON (bench/results.json) and a Markdown table. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchQualityGate, type BenchRow } from './quality-gate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rows: BenchRow[] = [...benchQualityGate(root)];
const table = [
  '| benchmark | value | goal | met |',
  '|---|---:|---|---|',
  ...rows.map(
    (row) =>
      `| ${row.name} | ${row.value.toFixed(row.unit === '×' ? 2 : row.unit === 'MB' ? 3 : 0)} ${row.unit} | ${row.goal} | ${row.goal ? (row.met ? 'yes' : 'NO') : ''} |`,
  ),
].join('\n');
writeFileSync(
  path.join(root, 'bench/results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`,
);
writeFileSync(path.join(root, 'bench/results.md'), `${table}\n`);
console.log(table);
