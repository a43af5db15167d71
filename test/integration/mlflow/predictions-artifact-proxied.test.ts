/**
 * Baseline predictions from a real MLflow server with its default artifact store (artifacts
 * proxied by the server, `mlflow-artifacts:/`): read through `/get-artifact`, and, where a
 * server lacks that route (GitLab's MLflow-compatible API), through the artifact proxy's route
 * under the run's artifact root. A small proxy on 127.0.0.1 hides `/get-artifact` for that.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureMlflow,
  sluice,
  startMlflow,
  trainAndRegister,
  type MlflowServer,
  type Seeded,
} from './support.js';

let server: MlflowServer;
let seeded: Seeded;
let work: string;
let proxy: http.Server;
let proxyUrl: string;
const proxied: string[] = [];

beforeAll(async () => {
  server = await startMlflow(ensureMlflow(), undefined, { proxiedArtifacts: true });
  work = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-proxied-'));
  seeded = await trainAndRegister(server, {
    model: 'churn',
    versions: [{ C: 1.0 }],
    champion: 1,
    predictions_dir: work,
  });
  writeFileSync(path.join(work, 'rules.yml'), 'metrics:\n  accuracy: {direction: higher}\n');
  const upstream = new URL(server.url);
  proxy = http.createServer((req, res) => {
    proxied.push(req.url ?? '');
    if ((req.url ?? '').startsWith('/get-artifact')) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
}, 600_000);

afterAll(async () => {
  if (proxy) await new Promise((resolve) => proxy.close(resolve));
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const gate = (uri: string, spec: string) =>
  sluice(
    [
      'quality-gate',
      '--format',
      'json',
      '--rules',
      'rules.yml',
      '--predictions',
      'v1.csv',
      '--baseline-predictions',
      spec,
    ],
    { MLFLOW_TRACKING_URI: uri },
    work,
  );

describe('baseline predictions from the default (proxied) artifact store', () => {
  it('the run artifact root is mlflow-artifacts:, and /get-artifact serves it', async () => {
    const run = (await (
      await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${seeded.versions[0]!.run_id}`)
    ).json()) as { run: { info: { artifact_uri: string } } };
    expect(run.run.info.artifact_uri).toMatch(/^mlflow-artifacts:\//);
    const { code, stdout, stderr } = await gate(
      server.url,
      'mlflow:churn@champion:eval/predictions.csv',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('no prediction metric regressed');
  });

  it('without /get-artifact (GitLab), the artifact proxy route under the run root', async () => {
    proxied.length = 0;
    const { code, stdout, stderr } = await gate(
      proxyUrl,
      'mlflow:churn@champion:eval/predictions.csv',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('churn@champion (version 1): eval/predictions.csv');
    const run = seeded.versions[0]!.run_id;
    expect(proxied).toContainEqual(expect.stringMatching(/^\/get-artifact\?/));
    expect(proxied).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^/api/2\\.0/mlflow-artifacts/artifacts/.*${run}/artifacts/eval/predictions\\.csv$`,
        ),
      ),
    );
    const missing = await gate(proxyUrl, 'mlflow:churn@champion:eval/nope.csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`run ${run} in MLflow at 127.0.0.1`);
    expect(missing.stderr).toContain('has no artifact `eval/nope.csv`');
  });
});
