import type { ClassCells, RegressionUnits } from '../../../src/core/predictions/metrics.js';

/** Cells counted from per-example arrays, as the SQL GROUP BY (label, baseline, candidate) does. */
export function cellsOf(
  label: readonly number[],
  baseline: readonly number[],
  candidate: readonly number[],
): ClassCells {
  const classes = [...new Set([...label, ...baseline, ...candidate])].sort((x, y) => x - y);
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = new Map<string, number>();
  label.forEach((y, i) => {
    const key = `${index.get(y)},${index.get(baseline[i]!)},${index.get(candidate[i]!)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const entries = [...counts.entries()];
  const units: ClassCells = {
    kind: 'classification',
    classes: classes.length,
    positive: classes.length === 2 ? index.get(1) : undefined,
    label: new Int32Array(entries.length),
    baseline: new Int32Array(entries.length),
    candidate: new Int32Array(entries.length),
    count: new Float64Array(entries.length),
  };
  entries.forEach(([key, count], i) => {
    const [y, a, b] = key.split(',').map(Number) as [number, number, number];
    units.label[i] = y;
    units.baseline[i] = a;
    units.candidate[i] = b;
    units.count[i] = count;
  });
  return units;
}

/** One unit per example, as the SQL does up to MAX_UNITS examples. */
export function unitsOf(
  label: readonly number[],
  baseline: readonly number[],
  candidate: readonly number[],
): RegressionUnits {
  const n = label.length;
  const units: RegressionUnits = {
    kind: 'regression',
    count: new Float64Array(n).fill(1),
    squaredBaseline: new Float64Array(n),
    squaredCandidate: new Float64Array(n),
    absoluteBaseline: new Float64Array(n),
    absoluteCandidate: new Float64Array(n),
    grouped: false,
  };
  label.forEach((y, i) => {
    const ea = baseline[i]! - y;
    const eb = candidate[i]! - y;
    units.squaredBaseline[i] = ea * ea;
    units.squaredCandidate[i] = eb * eb;
    units.absoluteBaseline[i] = Math.abs(ea);
    units.absoluteCandidate[i] = Math.abs(eb);
  });
  return units;
}
