import { logGamma } from '../stats/special.js';

/**
 * A small seeded generator for the paired bootstrap: xoshiro128** seeded through splitmix32.
 * Only 32-bit integer operations (Math.imul, shifts), so the same seed gives the same numbers
 * on every machine and Node version, and the same inputs give the same report.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = 0) {
    let state = (seed ^ Math.imul(stream, 0x9e3779b1)) | 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A double uniform in [0, 1), with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * Binomial(n, p): inversion when n·p is small, else Hörmann's BTRS (transformed rejection
   * with squeeze, 1993), exact for any n at a bounded cost per draw.
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    if (n * p < 10) return this.binomialInversion(n, p);
    return this.binomialBtrs(n, p);
  }

  private binomialInversion(n: number, p: number): number {
    const q = 1 - p;
    const s = p / q;
    const a = (n + 1) * s;
    let r = Math.pow(q, n);
    let u = this.uniform();
    let x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) return n;
      r *= a / x - s;
      // Rounding can leave a sliver of u past the last term: start again rather than loop on.
      if (r <= 0) {
        u = this.uniform();
        x = 0;
        r = Math.pow(q, n);
      }
    }
    return x;
  }

  private binomialBtrs(n: number, p: number): number {
    const spq = Math.sqrt(n * p * (1 - p));
    const b = 1.15 + 2.53 * spq;
    const a = -0.0873 + 0.0248 * b + 0.01 * p;
    const c = n * p + 0.5;
    const vr = 0.92 - 4.2 / b;
    const alpha = (2.83 + 5.1 / b) * spq;
    const lpq = Math.log(p / (1 - p));
    const m = Math.floor((n + 1) * p);
    const h = logGamma(m + 1) + logGamma(n - m + 1);
    for (;;) {
      const u = this.uniform() - 0.5;
      let v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= vr) return k;
      v = Math.log((v * alpha) / (a / (us * us) + b));
      if (v <= h - logGamma(k + 1) - logGamma(n - k + 1) + (k - m) * lpq) return k;
    }
  }

  /**
   * Multinomial(n, weights / Σweights) into `out`, by conditional binomials: drawing n ids with
   * replacement and counting them by group has exactly this distribution.
   */
  multinomial(n: number, weights: Float64Array, out: Float64Array, suffix?: Float64Array): void {
    const k = weights.length;
    const tail = suffix ?? suffixSums(weights);
    let left = n;
    for (let i = 0; i < k; i++) {
      if (left === 0) {
        out.fill(0, i);
        return;
      }
      const rest = tail[i]!;
      if (i === k - 1 || rest <= 0) {
        out[i] = left;
        out.fill(0, i + 1);
        return;
      }
      const x = this.binomial(left, Math.min(1, weights[i]! / rest));
      out[i] = x;
      left -= x;
    }
  }
}

/** suffix[i] = Σ weights[i..]: the conditional shares of a multinomial. */
export function suffixSums(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = weights.length - 1; i >= 0; i--) {
    sum += weights[i]!;
    out[i] = sum;
  }
  return out;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit FNV-1a hash of a text: a stream number per slice, independent of their order. */
export function streamOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
