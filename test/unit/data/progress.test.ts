import { describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../../src/core/data/engine.js';
import { formatBytes, withProgress } from '../../../src/core/data/progress.js';

async function* noNumbers(): AsyncGenerator<never> {}

/** A query that takes `ms` and reports progress rising by 25 % per poll. */
function slowEngine(ms: number): SqlEngine & { polls: number } {
  const engine = {
    polls: 0,
    query: () => new Promise<[]>((done) => setTimeout(() => done([]), ms)),
    close: () => Promise.resolve(),
    keep: () => new Promise<void>((done) => setTimeout(done, ms)),
    confine: () => Promise.resolve(),
    streamNumbers: noNumbers,
    progress: () => Math.min(100, ++engine.polls * 25),
  };
  return engine;
}

describe('withProgress', () => {
  it('prints the pass, percentage, bytes read and rate while a query runs', async () => {
    const lines: string[] = [];
    let now = 0;
    const engine = withProgress(slowEngine(60), {
      log: (line) => lines.push(line),
      clockMs: () => (now += 1000),
      intervalMs: 10,
    });
    engine.phase('checks and profile', 4e9);
    await engine.query('SELECT 1');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(
      /^checks and profile: 25% · 1\.00 GB of 4\.00 GB · [\d.]+ [kMG]?B\/s · \d+ s$/,
    );
  });

  it('claims no percentage inside compressed files, whose read position DuckDB reports as done early', async () => {
    const lines: string[] = [];
    const engine = withProgress(slowEngine(60), {
      log: (line) => lines.push(line),
      clockMs: () => 0,
      intervalMs: 10,
    });
    engine.phase('checks and profile', 2e5, true);
    await engine.query('SELECT 1');
    expect(lines[0]).toMatch(
      /^checks and profile: reading compressed data of 200\.0 kB \(no percentage inside compressed files\) · /,
    );
    expect(lines.some((l) => /%/.test(l))).toBe(false);
  });

  it('ticks while data is kept for later passes (a CSV parsed once before drift)', async () => {
    const lines: string[] = [];
    const engine = withProgress(slowEngine(60), {
      log: (line) => lines.push(line),
      clockMs: () => 0,
      intervalMs: 10,
    });
    engine.phase('reading the reference', 2e9);
    await engine.keep('ref', 'SELECT 1');
    expect(lines[0]).toMatch(/^reading the reference: 25% · 500\.0 MB of 2\.00 GB · /);
  });

  it('stays quiet for a query shorter than the interval, and stops after it', async () => {
    const lines: string[] = [];
    const engine = withProgress(slowEngine(5), {
      log: (line) => lines.push(line),
      clockMs: () => 0,
      intervalMs: 1000,
    });
    await engine.query('SELECT 1');
    await new Promise((done) => setTimeout(done, 20));
    expect(lines).toEqual([]);
  });

  it('says … when the engine cannot tell its progress, and no bytes when their size is unknown', async () => {
    const lines: string[] = [];
    const engine = withProgress(
      {
        query: () => new Promise((d) => setTimeout(() => d([]), 40)),
        close: () => Promise.resolve(),
        keep: () => Promise.resolve(),
        confine: () => Promise.resolve(),
        streamNumbers: noNumbers,
      },
      { log: (line) => lines.push(line), clockMs: () => 0, intervalMs: 10 },
    );
    engine.phase('drift');
    await engine.query('SELECT 1');
    expect(lines[0]).toMatch(/^drift: … · 0 s$/);
  });

  it('counts the values a long sorted stream has read, and stops with it', async () => {
    const lines: string[] = [];
    async function* slowValues() {
      for (let i = 0; i < 4; i++) {
        await new Promise((done) => setTimeout(done, 15));
        yield { values: new Float64Array(1000) };
      }
    }
    const engine = withProgress(
      { ...slowEngine(0), streamNumbers: slowValues },
      { log: (line) => lines.push(line), clockMs: () => 0, intervalMs: 10 },
    );
    engine.phase('drift');
    let read = 0;
    for await (const chunk of engine.streamNumbers('SELECT 1')) read += chunk.values.length;
    expect(read).toBe(4000);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(/^drift: [\d,]+ sorted values read · \d+ s$/);
    const count = lines.length;
    await new Promise((done) => setTimeout(done, 40));
    expect(lines.length).toBe(count);
  });

  it('formats bytes', () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(3.5e6), formatBytes(1.25e9)]).toEqual([
      '512 B',
      '2.0 kB',
      '3.5 MB',
      '1.25 GB',
    ]);
  });
});
