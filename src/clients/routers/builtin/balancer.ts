/**
 * Smooth weighted round-robin (the algorithm nginx uses for weighted upstreams): each pick adds
 * every version's weight to its running score, takes the highest, and subtracts the total from
 * it. Deterministic, so over any window of N picks each version gets its share within one
 * request (90/10 over 2,000 requests is exactly 1,800/200), and the picks of a small version are
 * spread evenly instead of arriving in bursts. Per-request random choice would add binomial noise
 * (±13 requests, one standard deviation, for 10 % of 2,000) for no gain: the proxy is one
 * process, so there is no coordination problem that randomness would solve.
 */
export class SmoothWeightedRoundRobin {
  private readonly entries: { name: string; weight: number; current: number }[];
  private readonly total: number;

  constructor(weights: Readonly<Record<string, number>>) {
    this.entries = Object.entries(weights)
      .filter(([, weight]) => weight > 0)
      .map(([name, weight]) => ({ name, weight, current: 0 }));
    this.total = this.entries.reduce((sum, entry) => sum + entry.weight, 0);
  }

  /** The next version, or undefined when every weight is 0. */
  next(): string | undefined {
    let best: (typeof this.entries)[number] | undefined;
    for (const entry of this.entries) {
      entry.current += entry.weight;
      if (!best || entry.current > best.current) best = entry;
    }
    if (!best) return undefined;
    best.current -= this.total;
    return best.name;
  }
}
