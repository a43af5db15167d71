/**
 * The built-in router's cost: p99 latency added at 500 req/s against the same model server
 * reached directly (one run each, same load generator, interleaved direct → proxy → direct).
 */
import { startBuiltinRouter } from '../src/clients/routers/builtin/serve.js';
import { percentile, runLoad } from '../test/integration/services/load.js';
import { startModelServer } from '../test/integration/services/model-server.js';
import type { BenchRow } from './quality-gate.js';

export async function benchRollout(): Promise<BenchRow[]> {
  const server = await startModelServer('stable');
  const router = await startBuiltinRouter({ versions: { stable: server.url } });
  try {
    const run = (url: string) => runLoad({ url, durationMs: 5000, rate: 500, concurrency: 64 });
    await run(server.url); // warm-up
    const direct1 = await run(server.url);
    const proxied = await run(router.address);
    const direct2 = await run(server.url);
    const direct = [...direct1.latencies, ...direct2.latencies];
    const p99Direct = percentile(direct, 99);
    const p99Proxy = percentile(proxied.latencies, 99);
    const p50Added = percentile(proxied.latencies, 50) - percentile(direct, 50);
    const failed = proxied.failures.length + direct1.failures.length + direct2.failures.length;
    console.error(
      `rollout: direct p50 ${percentile(direct, 50).toFixed(2)} p99 ${p99Direct.toFixed(2)} ms; built-in p50 ${percentile(proxied.latencies, 50).toFixed(2)} p99 ${p99Proxy.toFixed(2)} ms; sent ${proxied.sent}; failed ${failed}`,
    );
    return [
      {
        name: 'rollout: built-in router added p99 latency at 500 rps',
        value: p99Proxy - p99Direct,
        unit: 'ms',
        goal: '≤ 5 ms',
        met: p99Proxy - p99Direct <= 5,
      },
      {
        name: 'rollout: built-in router added p50 latency at 500 rps',
        value: p50Added,
        unit: 'ms',
        goal: '',
        met: true,
      },
      {
        name: 'rollout: failed requests through the built-in router at 500 rps',
        value: failed,
        unit: 'requests',
        goal: '0',
        met: failed === 0,
      },
    ];
  } finally {
    await router.close();
    await server.stop();
  }
}
