import type {
  Logger,
  MetricsProvider,
  MetricsQuery,
  StateStore,
  TrafficRouter,
  TrafficState,
} from '../../../src/core/ports.js';
import type { ProviderConfig } from '../../../src/core/rollout/model.js';

/** A router that records every call, and can be told to fail or to lie when read back. */
export class FakeRouter implements TrafficRouter {
  readonly name = 'fake';
  capabilities = { weights: true, mirror: false, headerRouting: false };
  weights: Record<string, number>;
  calls: string[] = [];
  failSetWeights = false;
  failSetRoute = false;
  failReadBack = false;
  /** When set, readBack answers this instead of the truth. */
  lie: TrafficState | undefined;
  /** The version mirrored to (only a MirrorRouter sets it). */
  mirror: string | undefined;

  constructor(initial: Record<string, number> = { v1: 100 }) {
    this.weights = { ...initial };
  }

  async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    this.calls.push(`setWeights ${JSON.stringify(weights)}`);
    if (this.failSetWeights) throw new Error('connection refused by the router');
    this.weights = { ...weights };
  }

  async setRoute(version: string): Promise<void> {
    this.calls.push(`setRoute ${version}`);
    if (this.failSetRoute) throw new Error('router reload failed');
    this.weights = { [version]: 100 };
  }

  async readBack(): Promise<TrafficState> {
    this.calls.push('readBack');
    if (this.failReadBack) throw new Error('admin API unreachable');
    return (
      this.lie ?? {
        weights: { ...this.weights },
        ...(this.mirror !== undefined ? { mirror: this.mirror } : {}),
      }
    );
  }
}

/** A FakeRouter that can mirror (as the built-in and nginx routers); can be told to fail at it. */
export class MirrorRouter extends FakeRouter {
  override capabilities = { weights: true, mirror: true, headerRouting: false };
  failSetMirror = false;
  /** Fails switching mirroring off only (the mirror stays on). */
  failMirrorOff = false;

  async setMirror(version: string | undefined): Promise<void> {
    this.calls.push(`setMirror ${version ?? 'off'}`);
    if (this.failSetMirror || (version === undefined && this.failMirrorOff))
      throw new Error('nginx -t failed: the mirror include is invalid');
    this.mirror = version;
  }
}

export type Answer = { samples: { at: string; value: number }[] } | { noData: string } | Error;

/** A provider whose answer is computed per query (version, time); records queries. */
export class FakeProvider implements MetricsProvider {
  readonly name = 'fake';
  queries: MetricsQuery[] = [];
  constructor(private readonly answer: (q: MetricsQuery) => Answer) {}
  async query(q: MetricsQuery) {
    this.queries.push(q);
    const a = this.answer(q);
    if (a instanceof Error) throw a;
    return a;
  }
}

export const values = (...vs: number[]) => ({
  samples: vs.map((value, i) => ({ at: new Date(i * 1000).toISOString(), value })),
});

export class MemoryState implements StateStore {
  map = new Map<string, string>();
  async get(name: string) {
    return this.map.get(name);
  }
  async set(name: string, value: string) {
    this.map.set(name, value);
  }
}

export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    group: async (_t, run) => run(),
  };
}

export const providerFactory = (p: MetricsProvider) => async (_c: ProviderConfig) => p;
