import { describe, expect, it } from 'vitest';
import { realSleep } from '../../../src/core/async/sleep.js';
import { VirtualTime } from '../support/virtual-time.js';

describe('realSleep', () => {
  it('waits about as long as asked', async () => {
    const start = performance.now();
    await realSleep.sleep(30);
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('ends at once with the reason when aborted, before or during the wait', async () => {
    const controller = new AbortController();
    const start = performance.now();
    const waiting = realSleep.sleep(60_000, controller.signal);
    controller.abort(new Error('rollout cancelled'));
    await expect(waiting).rejects.toThrow('rollout cancelled');
    await expect(realSleep.sleep(10, controller.signal)).rejects.toThrow('rollout cancelled');
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('an aborted wait without a reason rejects with an AbortError', async () => {
    const controller = new AbortController();
    const waiting = realSleep.sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a negative or NaN wait resolves at once', async () => {
    await realSleep.sleep(-5);
    await realSleep.sleep(Number.NaN);
  });
});

describe('VirtualTime (test support)', () => {
  it('resolves a sleep only when time is advanced past its end, and moves the clock', async () => {
    const time = new VirtualTime('2026-01-01T00:00:00Z');
    let done = false;
    void time.sleep(1000).then(() => {
      done = true;
    });
    await time.advance(999);
    expect(done).toBe(false);
    await time.advance(1);
    expect(done).toBe(true);
    expect(time.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('wakes sleeps in order of their ends, each at its own time, and lets them sleep again', async () => {
    const time = new VirtualTime();
    const start = time.now().getTime();
    const seen: string[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await time.sleep(100);
        seen.push(`poll ${time.now().getTime() - start}`);
      }
    };
    void loop();
    void time.sleep(150).then(() => seen.push(`bake ${time.now().getTime() - start}`));
    await time.advance(1000);
    expect(seen).toEqual(['poll 100', 'bake 150', 'poll 200', 'poll 300']);
    expect(time.pending).toBe(0);
  });

  it('an aborted sleep rejects and is no longer pending', async () => {
    const time = new VirtualTime();
    const controller = new AbortController();
    const waiting = time.sleep(1000, controller.signal);
    expect(time.pending).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(time.pending).toBe(0);
  });
});
