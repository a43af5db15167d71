import { readFileSync } from 'node:fs';

export interface DriftNumericCase {
  name: string;
  integer: boolean;
  reference: NumericArgs;
  current: NumericArgs;
  ks_statistic: number;
  ks_pvalue: number;
  wasserstein: number;
  reference_std: number;
  wasserstein_norm: number;
  psi: number;
  jensenshannon: number;
  bin_edges: number[] | null;
  evidently: {
    version: string;
    ks_pvalue: number;
    wasserstein_norm: number;
    psi: number;
    jensenshannon: number;
    auto: string;
  };
}
export interface DriftCategoryCase {
  name: string;
  reference: { seed: number; n: number; weights: number[] };
  current: { seed: number; n: number; weights: number[] };
  chisquare_statistic: number | 'inf';
  chisquare_pvalue: number;
  psi: number;
  jensenshannon: number;
  evidently: {
    version: string;
    chisquare_pvalue: number;
    psi: number;
    jensenshannon: number;
    auto: string;
  };
}
/** Evidently's automatic test choice for a column (its get_stattest), by scripts/fixtures/drift_evidently.py. */
export interface DriftAutoProbe {
  numeric: boolean;
  reference_rows: number;
  distinct: number;
  method: string;
}
export type DriftFixture = {
  numeric: DriftNumericCase[];
  categorical: DriftCategoryCase[];
  kolmogorov_sf: { n: number; x: number; sf: number }[];
  smirnov_sf: { n: number; x: number; sf: number }[];
  chi2_sf: { x: number; k: number; sf: number }[];
  evidently_versions: { evidently: string };
  evidently_auto: DriftAutoProbe[];
};

/** test/fixtures/data/drift/reference.json, made by scripts/fixtures/drift.py and drift_evidently.py. */
export function readDriftFixture(): DriftFixture {
  const url = new URL('../../fixtures/data/drift/reference.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as DriftFixture;
}

/** The same deterministic samples scripts/fixtures/drift.py draws (exact binary fractions). */

function* lcg(seed: number): Generator<number> {
  let state = seed >>> 0;
  for (;;) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    yield state;
  }
}

export interface NumericArgs {
  seed: number;
  n: number;
  shift: number;
  scale: number;
  grid: number | null;
}

export function numericSample(args: NumericArgs): number[] {
  const gen = lcg(args.seed);
  const out: number[] = [];
  for (let i = 0; i < args.n; i++) {
    let total = 0;
    for (let k = 0; k < 4; k++) total += (gen.next().value as number) / 4294967296;
    let value = (total - 2) * args.scale + args.shift;
    if (args.grid !== null) value = Math.floor(value / args.grid) * args.grid;
    out.push(value);
  }
  return out;
}

export function categorySample(args: { seed: number; n: number; weights: number[] }): string[] {
  const gen = lcg(args.seed);
  const total = args.weights.reduce((a, b) => a + b, 0);
  const out: string[] = [];
  for (let i = 0; i < args.n; i++) {
    let r = (gen.next().value as number) % total;
    for (let index = 0; index < args.weights.length; index++) {
      const w = args.weights[index] as number;
      if (r < w) {
        out.push(`c${index}`);
        break;
      }
      r -= w;
    }
  }
  return out;
}

/** numpy.histogram with explicit edges: [e_i, e_i+1) and the last bin closed. */
export function histogram(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  const last = edges.length - 1;
  for (const v of values) {
    if (v < (edges[0] as number) || v > (edges[last] as number)) continue;
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (v >= (edges[mid] as number)) lo = mid;
      else hi = mid;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}

export function valueCounts<T>(
  reference: readonly T[],
  current: readonly T[],
): { reference: number[]; current: number[] } {
  const keys = [...new Set([...reference, ...current])];
  const count = (values: readonly T[]) => {
    const map = new Map<T, number>();
    for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
    return keys.map((k) => map.get(k) ?? 0);
  };
  return { reference: count(reference), current: count(current) };
}
