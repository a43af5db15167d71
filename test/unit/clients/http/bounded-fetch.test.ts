/**
 * boundedFetch against a real server on 127.0.0.1: the caller's signal ends every request in
 * flight under it, and however many requests share one signal, it carries one abort listener
 * (Node's listener-leak warning used to reach users' terminals during an HTTP-probe analysis).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedFetch } from '../../../../src/clients/http/bounded-fetch.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  if (server) await once(server, 'close');
  server = undefined;
});

/** A server that answers each request after `delayMs`, or never when `delayMs` is Infinity. */
async function serve(delayMs: number): Promise<string> {
  server = createServer((_request, response) => {
    if (delayMs !== Infinity) setTimeout(() => response.end('ok'), delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('boundedFetch and the caller’s signal', () => {
  it('puts one abort listener on a signal that 40 concurrent requests share, and none after', async () => {
    const url = await serve(50);
    const fetchBounded = boundedFetch(fetch);
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const requests = Array.from({ length: 40 }, () =>
        fetchBounded(url, { signal: controller.signal }).then((r) => r.text()),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      expect(await Promise.all(requests)).toEqual(Array(40).fill('ok'));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // The warning is emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('ends every request in flight when the signal aborts, with its reason', async () => {
    const url = await serve(Infinity);
    const fetchBounded = boundedFetch(fetch);
    const controller = new AbortController();
    const requests = Array.from({ length: 15 }, () =>
      fetchBounded(url, { signal: controller.signal }).then(
        () => 'answered',
        (error: unknown) => error,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reason = new Error('rollout cancelled');
    controller.abort(reason);
    const outcomes = await Promise.all(requests);
    for (const outcome of outcomes) expect(outcome).toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('refuses at once under a signal that already aborted, and a later signal works anew', async () => {
    const url = await serve(0);
    const fetchBounded = boundedFetch(fetch);
    const aborted = AbortSignal.abort(new Error('too late'));
    await expect(fetchBounded(url, { signal: aborted })).rejects.toThrow('too late');
    const fresh = new AbortController();
    expect(await (await fetchBounded(url, { signal: fresh.signal })).text()).toBe('ok');
  });
});
