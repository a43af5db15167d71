import { Random, streamOf, suffixSums } from './random.js';
import { percentileInterval } from './tests.js';

/**
 * Metrics of two models on the same examples, from per-example aggregates: the paired bootstrap
 * resamples these aggregates, never the rows, so 10 M rows × 1,000 resamples cost what a few
 * thousand numbers cost.
 *
 * Classification: examples are counted by (label, baseline prediction, candidate prediction).
 * Drawing n ids with replacement and counting them by that triple is a multinomial over the
 * triples with shares count / n, so a resample is one multinomial draw over at most C³ cells,
 * exactly the distribution of resampling the ids.
 *
 * Regression: each example is a unit (its squared and absolute errors) up to `MAX_UNITS`
 * examples; above, examples fall into `MAX_UNITS` groups by a hash of their id and the groups
 * are resampled (a cluster bootstrap of random clusters of independent examples).
 */

export type Task = 'classification' | 'regression';
export type MetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'auc' | 'rmse' | 'mae';

export const HIGHER_IS_BETTER: Record<MetricName, boolean> = {
  accuracy: true,
  precision: true,
  recall: true,
  f1: true,
  auc: true,
  rmse: false,
  mae: false,
};

const CLASSIFICATION_METRICS: readonly MetricName[] = ['accuracy', 'precision', 'recall', 'f1'];
const REGRESSION_METRICS: readonly MetricName[] = ['rmse', 'mae'];

/** Regression slices above this many examples are resampled as this many hash groups. */
export const MAX_UNITS = 10_000;

export interface ClassCells {
  kind: 'classification';
  /** Number of classes; cells hold class indexes. */
  classes: number;
  /** The positive class's index for binary metrics; undefined: macro averages. */
  positive: number | undefined;
  label: Int32Array;
  baseline: Int32Array;
  candidate: Int32Array;
  count: Float64Array;
}

export interface RegressionUnits {
  kind: 'regression';
  count: Float64Array;
  squaredBaseline: Float64Array;
  squaredCandidate: Float64Array;
  absoluteBaseline: Float64Array;
  absoluteCandidate: Float64Array;
  /** Units are hash groups of examples rather than examples. */
  grouped: boolean;
}

export type Units = ClassCells | RegressionUnits;

export function metricsOf(units: Units): readonly MetricName[] {
  return units.kind === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
}

function examplesOf(units: Units): number {
  let n = 0;
  for (const c of units.count) n += c;
  return n;
}

/** Per-metric values of both models, filled by `evaluate` (reused across resamples). */
interface PairValues {
  baseline: Float64Array;
  candidate: Float64Array;
}

/** Scratch arrays for classification, reused across resamples. */
class ClassScratch {
  readonly support: Float64Array;
  readonly predicted: [Float64Array, Float64Array];
  readonly correct: [Float64Array, Float64Array];
  constructor(classes: number) {
    this.support = new Float64Array(classes);
    this.predicted = [new Float64Array(classes), new Float64Array(classes)];
    this.correct = [new Float64Array(classes), new Float64Array(classes)];
  }
}

/**
 * Metric values of both models on examples weighted by `weights` (per cell: how many examples;
 * per regression unit: how many times it was drawn). Order of `metricsOf(units)`.
 */
function evaluate(
  units: Units,
  weights: Float64Array,
  out: PairValues,
  scratch?: ClassScratch,
): void {
  if (units.kind === 'regression') {
    let n = 0;
    let sqA = 0;
    let sqB = 0;
    let absA = 0;
    let absB = 0;
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k]!;
      if (w === 0) continue;
      n += w * units.count[k]!;
      sqA += w * units.squaredBaseline[k]!;
      sqB += w * units.squaredCandidate[k]!;
      absA += w * units.absoluteBaseline[k]!;
      absB += w * units.absoluteCandidate[k]!;
    }
    out.baseline[0] = Math.sqrt(sqA / n);
    out.candidate[0] = Math.sqrt(sqB / n);
    out.baseline[1] = absA / n;
    out.candidate[1] = absB / n;
    return;
  }
  const s = scratch ?? new ClassScratch(units.classes);
  s.support.fill(0);
  for (const side of [0, 1] as const) {
    s.predicted[side].fill(0);
    s.correct[side].fill(0);
  }
  let n = 0;
  const [predictedA, predictedB] = s.predicted;
  const [correctA, correctB] = s.correct;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k]!;
    if (w === 0) continue;
    const y = units.label[k]!;
    const a = units.baseline[k]!;
    const b = units.candidate[k]!;
    n += w;
    s.support[y] = s.support[y]! + w;
    predictedA[a] = predictedA[a]! + w;
    predictedB[b] = predictedB[b]! + w;
    if (a === y) correctA[y] = correctA[y]! + w;
    if (b === y) correctB[y] = correctB[y]! + w;
  }
  classMetrics(units, s.support, predictedA, correctA, n, out.baseline);
  classMetrics(units, s.support, predictedB, correctB, n, out.candidate);
}

/**
 * scikit-learn's accuracy_score, and precision/recall/f1 with `zero_division=0`: binary for
 * the positive class, else `average='macro'` over the labels present in y_true or y_pred.
 */
function classMetrics(
  units: ClassCells,
  support: Float64Array,
  predicted: Float64Array,
  correct: Float64Array,
  n: number,
  out: Float64Array,
): void {
  let right = 0;
  for (let c = 0; c < units.classes; c++) right += correct[c]!;
  out[0] = right / n;
  const ratio = (x: number, y: number): number => (y > 0 ? x / y : 0);
  if (units.positive !== undefined) {
    const p = units.positive;
    out[1] = ratio(correct[p]!, predicted[p]!);
    out[2] = ratio(correct[p]!, support[p]!);
    out[3] = ratio(2 * correct[p]!, predicted[p]! + support[p]!);
    return;
  }
  let present = 0;
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (let c = 0; c < units.classes; c++) {
    if (support[c] === 0 && predicted[c] === 0) continue;
    present++;
    precision += ratio(correct[c]!, predicted[c]!);
    recall += ratio(correct[c]!, support[c]!);
    f1 += ratio(2 * correct[c]!, predicted[c]! + support[c]!);
  }
  out[1] = precision / present;
  out[2] = recall / present;
  out[3] = f1 / present;
}

export interface MetricComparison {
  metric: MetricName;
  baseline: number;
  candidate: number;
  /** candidate − baseline. */
  delta: number;
  /** The bootstrap's deltas, sorted (NaN ones dropped), for intervals at any confidence. */
  resampled: Float64Array;
}

/** Point values of both models and the paired bootstrap of each metric's difference. */
export function compareUnits(
  units: Units,
  options: { resamples: number; seed: number; stream: string },
): MetricComparison[] {
  const names = metricsOf(units);
  const values: PairValues = {
    baseline: new Float64Array(names.length),
    candidate: new Float64Array(names.length),
  };
  const scratch = units.kind === 'classification' ? new ClassScratch(units.classes) : undefined;
  const base =
    units.kind === 'classification' ? units.count : new Float64Array(units.count.length).fill(1);
  evaluate(units, base, values, scratch);
  const point = names.map((metric, i) => ({
    metric,
    baseline: values.baseline[i]!,
    candidate: values.candidate[i]!,
  }));
  const draws = units.kind === 'classification' ? examplesOf(units) : units.count.length;
  const deltas = names.map(() => new Float64Array(options.resamples));
  const random = new Random(options.seed, streamOf(options.stream));
  const suffix = suffixSums(base);
  const weights = new Float64Array(base.length);
  for (let r = 0; r < options.resamples; r++) {
    random.multinomial(draws, base, weights, suffix);
    evaluate(units, weights, values, scratch);
    for (let i = 0; i < names.length; i++)
      deltas[i]![r] = values.candidate[i]! - values.baseline[i]!;
  }
  return point.map((p, i) => ({
    ...p,
    delta: p.candidate - p.baseline,
    resampled: deltas[i]!.filter((d) => !Number.isNaN(d)).sort(),
  }));
}

/** The percentile interval of a comparison's resampled deltas at `confidence`. */
export function intervalOf(
  comparison: MetricComparison,
  confidence: number,
): [number, number] | undefined {
  return percentileInterval(comparison.resampled, confidence);
}
