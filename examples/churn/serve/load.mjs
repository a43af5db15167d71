// The demo's users: POST /predict to <url> at <rate> req/s until SIGTERM, then print what they
// saw (answers by version, failures). node load.mjs <url> [rate]
import http from 'node:http';

const [url, rate = '50'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const seen = { sent: 0, failed: 0, byVersion: {} };
const send = () => {
  seen.sent += 1;
  const request = http.request(
    new URL('/predict', url),
    { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 5000 },
    (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return void (seen.failed += 1);
        const { version } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        seen.byVersion[version] = (seen.byVersion[version] ?? 0) + 1;
      });
    },
  );
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', () => (seen.failed += 1));
  request.end(JSON.stringify({ features: [Math.random() - 0.5, 0.1] }));
};
const timer = setInterval(send, 1000 / Number(rate));
process.on('SIGTERM', () => {
  clearInterval(timer);
  setTimeout(() => {
    console.log(
      `users: ${seen.sent} requests, ${seen.failed} failed; answered by ${JSON.stringify(seen.byVersion)}`,
    );
    process.exit(0);
  }, 500);
});
