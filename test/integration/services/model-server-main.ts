/**
 * A tiny model server, run as its own process by model-server.ts:
 *   node --import tsx model-server-main.ts '{"name":"blue","mode":"healthy",...}'
 * POST /predict {"features":[numbers]} → {"version", "prediction"}; GET /healthz; GET /metrics
 * (Prometheus text); PUT /mode changes the mode while it runs. Prints `listening PORT` when up.
 */
import { createServer } from 'node:http';

interface Mode {
  mode: 'healthy' | 'errors' | 'slow' | 'crash' | 'wrong';
  /** errors: percent of requests answered 500. */
  errorRate?: number;
  /** slow: added latency, ms. */
  latencyMs?: number;
  /** crash: the process exits on this request. */
  crashAfter?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Mode & { name: string; port?: number };
let mode: Mode = options;
let served = 0;
let errorsOwed = 0;
const counts = new Map<string, number>();
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const histogram = buckets.map(() => 0);
let sum = 0;
let total = 0;

function predict(body: string): number {
  try {
    const features = (JSON.parse(body) as { features?: unknown }).features;
    if (Array.isArray(features))
      return features.reduce((a: number, b) => a + Number(b), 0) > 0 ? 1 : 0;
  } catch {
    /* fall through */
  }
  let hash = 0;
  for (const char of body) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return Math.abs(hash) % 2;
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const started = process.hrtime.bigint();
    const answer = (status: number, payload: unknown) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const key = `${status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      buckets.forEach((bound, index) => {
        if (seconds <= bound) histogram[index]! += 1;
      });
      sum += seconds;
      total += 1;
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(payload));
    };
    const url = request.url ?? '/';
    if (url === '/healthz') return answer(200, { ok: true, version: options.name });
    if (url === '/metrics') {
      const lines = [...counts].map(
        ([code, n]) => `model_requests_total{version="${options.name}",code="${code}"} ${n}`,
      );
      buckets.forEach((bound, index) =>
        lines.push(
          `model_request_duration_seconds_bucket{version="${options.name}",le="${bound}"} ${histogram[index]}`,
        ),
      );
      lines.push(
        `model_request_duration_seconds_bucket{version="${options.name}",le="+Inf"} ${total}`,
      );
      lines.push(`model_request_duration_seconds_sum{version="${options.name}"} ${sum}`);
      lines.push(`model_request_duration_seconds_count{version="${options.name}"} ${total}`);
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(`${lines.join('\n')}\n`);
      return;
    }
    if (url === '/mode' && request.method === 'PUT') {
      mode = { ...(JSON.parse(body) as Mode) };
      return answer(200, { ok: true });
    }
    served += 1;
    const respond = () => {
      if (mode.mode === 'crash' && served >= (mode.crashAfter ?? 1)) process.exit(1);
      if (mode.mode === 'errors') {
        // Deterministic: exactly errorRate % of requests fail, spread evenly.
        errorsOwed += (mode.errorRate ?? 0) / 100;
        if (errorsOwed >= 1) {
          errorsOwed -= 1;
          return answer(500, { error: 'injected', version: options.name });
        }
      }
      const prediction = predict(body);
      answer(200, {
        version: options.name,
        prediction: mode.mode === 'wrong' ? 1 - prediction : prediction,
        echo: request.headers['x-sluice-mirror'] ? 'mirror' : undefined,
      });
    };
    if (mode.mode === 'slow') setTimeout(respond, mode.latencyMs ?? 100);
    else respond();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(options.port ?? 0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
