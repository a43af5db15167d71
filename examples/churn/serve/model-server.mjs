// A stand-in for the churn model served over HTTP, for the demo's rollout (plain Node, no
// dependencies): node model-server.mjs <version> [error-percent]
// POST /predict {"features":[...]} → {"version","prediction"}; GET /healthz. Listens on a free
// 127.0.0.1 port (PORT, when set, on every interface: the image) and prints `listening PORT`. With error-percent, that share of predictions
// answers HTTP 500 (spread evenly): the bad canary.
import { createServer } from 'node:http';

const [version = 'v1', errorPercent = '0'] = process.argv.slice(2);
const errorShare = Number(errorPercent) / 100;
let owed = 0;

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const answer = (status, body) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/healthz') return answer(200, { ok: true, version });
    if (request.url !== '/predict' || request.method !== 'POST')
      return answer(404, { error: 'POST /predict' });
    owed += errorShare;
    if (owed >= 1) {
      owed -= 1;
      return answer(500, { error: 'injected', version });
    }
    let features = [];
    try {
      features = JSON.parse(Buffer.concat(chunks).toString('utf8')).features ?? [];
    } catch {
      return answer(400, { error: 'not JSON', version });
    }
    const score = features.reduce((sum, x) => sum + Number(x), 0);
    answer(200, { version, prediction: score > 0 ? 1 : 0 });
  });
});
server.keepAliveTimeout = 30_000;
const port = Number(process.env.PORT ?? 0);
server.listen(port, port ? '0.0.0.0' : '127.0.0.1', () =>
  console.log(`listening ${server.address().port}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
