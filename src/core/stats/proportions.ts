import { normalQuantile, normalSf } from './normal.js';

/**
 * Two proportions (error rates): the z-test with the pooled variance for the p-value, as
 * statsmodels' `proportions_ztest([x1, x2], [n1, n2])` (two-sided, `value=0`), and Newcombe's
 * hybrid score interval for the difference (his method 10, from two Wilson intervals, no
 * continuity correction), as statsmodels' `confint_proportions_2indep(..., method='newcomb')`.
 * Newcombe rather than the Wald interval because error rates sit near 0, where Wald's interval
 * collapses to a point (0 errors of 50 gives [0, 0]) and would let a tiny sample pass.
 */

export interface TwoProportionTest {
  /** p1 − p2. */
  difference: number;
  z: number;
  /** Two-sided p-value; 1 when both shares are 0 or both 1 (no variance: nothing differs). */
  p: number;
}

export function twoProportionZTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): TwoProportionTest {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const difference = p1 - p2;
  if (!(se > 0)) return { difference, z: 0, p: 1 };
  const z = difference / se;
  return { difference, z, p: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Wilson score interval of x successes in n at the two-sided `confidence`. */
function wilsonInterval(x: number, n: number, confidence: number): [number, number] {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Newcombe's hybrid score interval for p1 − p2. */
export function newcombeInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confidence: number,
): [number, number] {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilsonInterval(x1, n1, confidence);
  const [l2, u2] = wilsonInterval(x2, n2, confidence);
  const d = p1 - p2;
  return [d - Math.hypot(p1 - l1, u2 - p2), d + Math.hypot(u1 - p1, p2 - l2)];
}
