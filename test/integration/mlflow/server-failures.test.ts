/**
 * The CLI against servers that are not a healthy MLflow (a login page answering HTML, a server
 * failing with 503): exit 3 naming the server and showing what came back, masked. A small
 * server on 127.0.0.1 plays them; the real MLflow cases are in quality-gate-mlflow.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../../src/core/secret-forms.js';
import { sluice } from './support.js';

const token = 'mlflow-tok-7e1f3a9b2c';
let server: http.Server;
let url: string;
let work: string;
let hits = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits += 1;
    if (req.url?.startsWith('/html/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>Sign in</title><p>${req.headers.authorization ?? ''}</p>`);
      return;
    }
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('upstream unavailable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-fail-'));
  writeFileSync(path.join(work, 'candidate.json'), '{"accuracy": 0.9}');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const args = ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'mlflow:churn@champion'];

describe('quality-gate against a server that is not a healthy MLflow', () => {
  it('an HTML answer (echoing the token): exit 3 with what came back, the token masked', async () => {
    const { code, stdout, stderr } = await sluice(
      args,
      { MLFLOW_TRACKING_URI: `${url}/html`, MLFLOW_TRACKING_TOKEN: token },
      work,
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(
      /MLflow at 127\.0\.0\.1:\d+: .* with text\/html, not MLflow's JSON: <!doctype html>/,
    );
    // The page did echo it: masked, not dropped.
    expect(stderr).toContain('Bearer ***');
    for (const form of secretForms(token)) expect(stdout + stderr).not.toContain(form);
  });

  it('503 every time: retried, then exit 3 naming the server and its answer', async () => {
    hits = 0;
    const { code, stderr } = await sluice(args, { MLFLOW_TRACKING_URI: url }, work);
    expect(code).toBe(3);
    expect(stderr).toMatch(/answered 503: upstream unavailable \(after 4 attempts\)/);
    expect(hits).toBe(4);
  });
});
