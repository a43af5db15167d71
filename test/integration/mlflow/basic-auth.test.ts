/**
 * MLflow's own basic-auth app (`mlflow server --app-name basic-auth`): sluice signs in with
 * MLFLOW_TRACKING_USERNAME/PASSWORD; a wrong or missing password is exit 2 naming the variable,
 * and the password appears in no output in any form. Seeded over REST (as the admin).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../../src/core/secret-forms.js';
import { ensureMlflow, sluice, startMlflow, type MlflowServer } from './support.js';

const admin = { username: 'sluice-admin', password: 'Pw-4a9f-0c1e-77b2' };
let server: MlflowServer;
let work: string;

async function call(method: string, endpoint: string, body: object): Promise<unknown> {
  const response = await fetch(`${server.url}/api/2.0/mlflow/${endpoint}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${endpoint}: ${response.status} ${text}`);
  return JSON.parse(text);
}

beforeAll(async () => {
  server = await startMlflow(ensureMlflow(), admin);
  const { experiment_id } = (await call('POST', 'experiments/create', { name: 'churn' })) as {
    experiment_id: string;
  };
  const { run } = (await call('POST', 'runs/create', { experiment_id })) as {
    run: { info: { run_id: string; artifact_uri: string } };
  };
  const run_id = run.info.run_id;
  for (const [key, value] of [
    ['accuracy', 0.81],
    ['auc', 0.88],
  ] as const) {
    await call('POST', 'runs/log-metric', { run_id, key, value, timestamp: Date.now(), step: 0 });
  }
  await call('POST', 'registered-models/create', { name: 'churn' });
  await call('POST', 'model-versions/create', {
    name: 'churn',
    source: `${run.info.artifact_uri}/model`,
    run_id,
  });
  await call('POST', 'registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
  work = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-auth-'));
  writeFileSync(path.join(work, 'candidate.json'), '{"accuracy": 0.82, "auc": 0.88}');
  // The run's predictions, as a file in its (local) artifact root, and the candidate's.
  const predictions = 'id,label,prediction\n1,0,0\n2,1,1\n3,1,0\n';
  const root = run.info.artifact_uri.replace(/^file:\/\//, '');
  mkdirSync(path.join(root, 'eval'), { recursive: true });
  writeFileSync(path.join(root, 'eval', 'predictions.csv'), predictions);
  writeFileSync(path.join(work, 'predictions.csv'), predictions);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const args = ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'mlflow:churn@champion'];

describe('MLflow behind its basic-auth app', () => {
  it("signs in with MLFLOW_TRACKING_USERNAME/PASSWORD and reads the champion's run", async () => {
    const { code, stdout, stderr } = await sluice(
      args,
      {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_USERNAME: admin.username,
        MLFLOW_TRACKING_PASSWORD: admin.password,
      },
      work,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('churn@champion (version 1)');
    expect(stdout).toMatch(/0\.81/);
  });

  it('a wrong password: exit 2 naming the variables, the password in no form', async () => {
    const wrong = 'Wrong-pass-93c1d2';
    const { code, stdout, stderr } = await sluice(
      args,
      {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_USERNAME: admin.username,
        MLFLOW_TRACKING_PASSWORD: wrong,
      },
      work,
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/refused .* \(401/);
    expect(stderr).toContain('MLFLOW_TRACKING_USERNAME');
    for (const form of [...secretForms(wrong), ...secretForms(`${admin.username}:${wrong}`)]) {
      expect(stdout + stderr).not.toContain(form);
    }
  });

  it("downloads the champion run's predictions artifact signed in; refused without, no secret shown", async () => {
    const gate = [
      'quality-gate',
      '--predictions',
      'predictions.csv',
      '--baseline-predictions',
      'mlflow:churn@champion:eval/predictions.csv',
    ];
    const signedIn = await sluice(
      gate,
      {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_USERNAME: admin.username,
        MLFLOW_TRACKING_PASSWORD: admin.password,
      },
      work,
    );
    expect(signedIn.stderr).toBe('');
    expect(signedIn.code).toBe(0);
    expect(signedIn.stdout).toContain('churn@champion (version 1): eval/predictions.csv');
    const wrong = 'Wrong-pass-5e7a11';
    const refused = await sluice(
      gate,
      {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_USERNAME: admin.username,
        MLFLOW_TRACKING_PASSWORD: wrong,
      },
      work,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refused .*\(401/);
    for (const form of [...secretForms(wrong), ...secretForms(`${admin.username}:${wrong}`)]) {
      expect(refused.stdout + refused.stderr).not.toContain(form);
    }
  });

  it('no credentials: exit 2 saying which variables to set', async () => {
    const { code, stderr } = await sluice(args, { MLFLOW_TRACKING_URI: server.url }, work);
    expect(code).toBe(2);
    expect(stderr).toMatch(/MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and/);
  });
});
