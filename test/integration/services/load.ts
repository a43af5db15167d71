import http from 'node:http';

export interface LoadResult {
  sent: number;
  ok: number;
  /** Non-2xx answers and network errors, as `status` or the error code. */
  failures: string[];
  /** version → answers (from the model server's `version` field). */
  byVersion: Record<string, number>;
  /** Per-request latency, ms, in send order. */
  latencies: number[];
  /** The answering version of each request, in send order. */
  sequence: string[];
  /**
   * Requests re-sent once because their connection was reset before any byte of an answer (a
   * keep-alive connection a server closed as idle, what HTTP clients retry, RFC 9112 §9.3.1; or
   * a connection an old nginx worker accepted and closed at a reload): counted here, not as
   * failures. Tests assert on it separately.
   */
  retriedStale: number;
}

/**
 * One customer for POST /predict, varied by `index`: the example churn model's four scaled
 * features (examples/churn/train.py), which the test model server (the sign of their sum) takes too.
 */
export function customerBody(index: number): string {
  return JSON.stringify({
    features: [(index % 60) / 60, (index % 5) / 5, (index % 7) / 7, index % 3 === 0 ? 1 : 0],
  });
}

/**
 * A bounded in-process load generator: POST /predict to `url` with keep-alive connections,
 * `concurrency` at a time, either `total` requests or for `durationMs` at `rate` req/s.
 */
export async function runLoad(options: {
  url: string;
  total?: number;
  durationMs?: number;
  rate?: number;
  concurrency?: number;
  headers?: Record<string, string>;
  /** The JSON body of request `index` (default: `customerBody`). */
  body?: (index: number) => string;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency ?? 16 });
  const target = new URL('/predict', options.url);
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    failures: [],
    byVersion: {},
    latencies: [],
    sequence: [],
    retriedStale: 0,
  };
  const one = (index: number, attempt = 0): Promise<void> =>
    new Promise((resolve) => {
      const body = (options.body ?? customerBody)(index);
      const started = performance.now();
      let gotBytes = false;
      const request = http.request(
        target,
        {
          method: 'POST',
          // A retry goes out on a new connection, as browsers and HTTP clients retry a request
          // whose reused keep-alive connection the server closed first: the pool may hold
          // several such connections after a reload, and a retry must not take another.
          agent: attempt === 0 ? agent : false,
          headers: { 'content-type': 'application/json', ...options.headers },
          timeout: 10_000,
        },
        (response) => {
          gotBytes = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            result.latencies[index] = performance.now() - started;
            const status = response.statusCode ?? 0;
            let version = '?';
            try {
              version =
                (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { version?: string })
                  .version ?? '?';
            } catch {
              /* not JSON */
            }
            result.sequence[index] = version;
            if (status >= 200 && status < 300) {
              result.ok += 1;
              result.byVersion[version] = (result.byVersion[version] ?? 0) + 1;
            } else result.failures.push(String(status));
            resolve();
          });
          response.on('error', (error) => {
            result.failures.push((error as NodeJS.ErrnoException).code ?? error.message);
            resolve();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (!gotBytes && attempt === 0 && (code === 'ECONNRESET' || code === 'EPIPE')) {
          result.retriedStale += 1;
          resolve(one(index, 1));
          return;
        }
        result.failures.push((error as NodeJS.ErrnoException).code ?? error.message);
        resolve();
      });
      request.end(body);
    });

  const concurrency = options.concurrency ?? 16;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const interval = options.rate ? 1000 / options.rate : 0;
  for (let index = 0; ; index += 1) {
    if (options.total !== undefined && index >= options.total) break;
    if (options.durationMs !== undefined && performance.now() - start >= options.durationMs) break;
    if (interval > 0) {
      const due = start + index * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    result.sent += 1;
    const pending = one(index).finally(() => inFlight.delete(pending));
    inFlight.add(pending);
  }
  await Promise.all(inFlight);
  agent.destroy();
  return result;
}

export function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
