/**
 * Special functions in plain double precision, shared by drift (chi-square, Kolmogorov), the
 * per-example comparison (McNemar, the bootstrap) and the rollout judge: log-gamma, the
 * regularized upper incomplete gamma (chi-square survival), and ldexp.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
// Stirling series terms B_2k / (2k(2k-1)), highest order first.
export const STIRLING = [
  -3617 / 122400,
  1 / 156,
  -691 / 360360,
  1 / 1188,
  -1 / 1680,
  1 / 1260,
  -1 / 360,
  1 / 12,
];

/** log Γ(x) for x > 0: shifted up to x ≥ 15, then the Stirling series (error ~1e-16 relative). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  let z = x;
  while (z < 15) {
    shift += Math.log(z);
    z += 1;
  }
  const r = 1 / z;
  const r2 = r * r;
  let series = 0;
  for (const c of STIRLING) series = series * r2 + c;
  return (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + r * series - shift;
}

/** x · 2^e without overflowing the intermediate power. */
export function ldexp(x: number, e: number): number {
  let out = x;
  let rest = e;
  while (rest > 511) {
    out *= 2 ** 511;
    rest -= 511;
  }
  while (rest < -511) {
    out *= 2 ** -511;
    rest += 511;
  }
  return out * 2 ** rest;
}

const EPS = 1e-16;
const MAX_ITER = 100_000;

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function. */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 − P is not small here, so the subtraction is safe.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITER; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * Math.exp(logPrefactor);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPrefactor) * h;
}

/** Survival function of the chi-square distribution with k degrees of freedom. */
export function chi2Sf(x: number, k: number): number {
  if (!(k > 0)) return Number.NaN;
  if (x <= 0) return 1;
  return gammaQ(k / 2, x / 2);
}
