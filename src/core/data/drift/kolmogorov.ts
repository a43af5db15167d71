import { ldexp, STIRLING } from '../../stats/special.js';

/**
 * P-values of the two-sample Kolmogorov–Smirnov test, computed the way scipy's
 * `ks_2samp(method='auto')` does: exact (Hodges' lattice-path counting) when the larger
 * sample has at most 10,000 values, else the two-sided Kolmogorov distribution of D at
 * n = round(n1·n2 / (n1+n2)) (Simard & L'Ecuyer's choice of algorithm per region).
 */

const KS_EXACT_MAX_N = 10_000;

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

export interface KsResult {
  statistic: number;
  pValue: number;
  mode: 'exact' | 'asymp';
}

/** The p-value for an observed D (the max ECDF distance) between samples of n1 and n2 values. */
export function ksTwoSamplePValue(d: number, n1: number, n2: number): KsResult {
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const exact = exactTwoSided(d, n1, n2);
    if (exact) return { ...exact, mode: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: clip01(kolmogorovSf(roundHalfEven(en), d)), mode: 'asymp' };
}

function exactTwoSided(
  d: number,
  n1: number,
  n2: number,
): { statistic: number; pValue: number } | undefined {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  if (!Number.isFinite(p) || p < 0 || p > 1) return undefined;
  return { statistic, pValue: p };
}

/** P(D_{n,n} ≥ h/n): alternating binomial ratios, summed Horner-style to avoid cancellation. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/** 1 − (share of lattice paths staying strictly inside |x/m − y/n| < h/lcm), per Viehmann's recursion. */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1] as number;
}

function clip01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** Survival function of the two-sided one-sample KS statistic D_n at x (scipy's kstwo.sf). */
export function kolmogorovSf(n: number, x: number): number {
  if (!(n > 0) || !Number.isInteger(n)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    // scipy uses Pomeranz' recursion for 0.754693 < n·x² ≤ 4; Durbin's matrix computes the
    // same exact probability, so one exact method serves both regions here.
    if (nxSquared <= 4) return clip01(1 - durbinCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return clip01(1 - cdf);
}

/** log(n! / n^n) by Stirling's series. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

const E128 = 128;
const P128 = 2 ** 128;
const M128 = 2 ** -128;

/** Pr(D_n ≤ d) by Durbin's matrix method as Marsaglia, Tsang and Wang compute it. */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (v[j - 1] as number) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array[] = Array.from({ length: m }, () => new Float64Array(m));
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) (H[r] as Float64Array)[i] = w[r - (i - 1)] as number;
  }
  for (let r = 0; r < m; r++) (H[r] as Float64Array)[0] = v[r] as number;
  for (let c = 0; c < m; c++) (H[m - 1] as Float64Array)[c] = v[m - 1 - c] as number;

  let power: Float64Array[] = Array.from({ length: m }, (_, i) => {
    const row = new Float64Array(m);
    row[i] = 1;
    return row;
  });
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      power = matmul(power, H);
      expnt += hExpnt;
    }
    H = matmul(H, H);
    hExpnt *= 2;
    if (Math.abs((H[k - 1] as Float64Array)[k - 1] as number) > P128) {
      for (const row of H) for (let c = 0; c < m; c++) row[c] = (row[c] as number) / P128;
      hExpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = (power[k - 1] as Float64Array)[k - 1] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < M128) {
      p *= P128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function matmul(a: Float64Array[], b: Float64Array[]): Float64Array[] {
  const m = a.length;
  const out = Array.from({ length: m }, () => new Float64Array(m));
  for (let i = 0; i < m; i++) {
    const ai = a[i] as Float64Array;
    const oi = out[i] as Float64Array;
    for (let k = 0; k < m; k++) {
      const aik = ai[k] as number;
      if (aik === 0) continue;
      const bk = b[k] as Float64Array;
      for (let j = 0; j < m; j++) oi[j] = (oi[j] as number) + aik * (bk[j] as number);
    }
  }
  return out;
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Pelz–Good asymptotic series for Pr(D_n ≤ x). */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m4,
      k3a + k3b * m2 + k3c * m4 + k3d * m6,
    ];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (divisors[i] as number);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] = (K[2] as number) + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = (K[3] as number) + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / n ** (i / 2);
  return sum;
}

const MINLOG = -708.3964185322641;

/** Survival function of the one-sided statistic D_n^+ (Smirnov), Birnbaum–Tingey sum in log space. */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || x < 0 || x > 1) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  let nxfl = Math.floor(nx);
  let alpha = nx - nxfl;
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const cdf = x * (1 + x) ** (n - 1);
    return 1 - cdf;
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return (1 - x) ** n;
  if (n > 1_000_000) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  // Terms v = 0 … floor(n(1−x)), leaving out the zero term when n(1−x) is whole.
  const last = n - nxfl - 1;
  // log C(n, v) accumulates over up to n steps: compensated (Kahan) summation keeps its
  // rounding error near one ulp instead of growing with the number of terms.
  let logBinom = 0;
  let logBinomCarry = 0;
  let sum = 0;
  let rising = true;
  let previous = 0;
  for (let v = 0; v <= last; v++) {
    if (v > 0) {
      const increment = Math.log((n - v + 1) / v) - logBinomCarry;
      const next = logBinom + increment;
      logBinomCarry = next - logBinom - increment;
      logBinom = next;
    }
    const a = x + v / n;
    const term = Math.exp(logBinom + (v - 1) * Math.log(a) + (n - v) * Math.log1p(-a));
    sum += term;
    if (term < previous) rising = false;
    previous = term;
    if (!rising && 4 * (last - v) * term < Number.EPSILON * sum) break;
  }
  return Math.min(1, Math.max(0, x * sum));
}
