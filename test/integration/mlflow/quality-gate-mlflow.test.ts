/**
 * quality-gate against a real MLflow tracking server (SQLite backend, 127.0.0.1), seeded by the
 * example's scikit-learn training script: two trained versions of `churn` with runs and
 * MLflow 3 logged models, `champion` on version 1, and a plain run. The CLI runs from source.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlflowRegistry } from '../../../src/clients/mlflow/client.js';
import { mlflowConfig } from '../../../src/clients/mlflow/config.js';
import { createMasker } from '../../../src/platforms/masker.js';
import {
  ensureMlflow,
  freePort,
  sluice,
  startMlflow,
  trainAndRegister,
  type MlflowServer,
  type Seeded,
} from './support.js';

/** The commits the training script tags its runs with: one run at the first, two at the second. */
const COMMIT_ONE = 'c0ffee'.padEnd(40, '1');
const COMMIT_TWO = 'beef'.padEnd(40, '2');

let server: MlflowServer;
let seeded: Seeded;
let work: string;

beforeAll(async () => {
  const venv = ensureMlflow();
  server = await startMlflow(venv);
  work = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-gate-'));
  seeded = await trainAndRegister(server, {
    model: 'churn',
    versions: [
      { C: 1.0, commit: COMMIT_ONE },
      { C: 0.01, noise: 0.5, commit: COMMIT_TWO },
    ],
    champion: 1,
    plain_run: true,
    plain_run_commit: COMMIT_TWO,
    predictions_dir: work,
  });
  writeFileSync(
    path.join(work, 'rules.yml'),
    'metrics:\n  accuracy: {direction: higher, max_regression: 0.02}\n  auc: {direction: higher}\n',
  );
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const env = () => ({ MLFLOW_TRACKING_URI: server.url });

interface JsonReport {
  verdict: string;
  baseline: string;
  sections: { title: string; blocks: { type: string; items?: unknown[][] }[] }[];
  notes: { text: string }[];
  [key: string]: unknown;
}

async function gate(args: string[], extraEnv: Record<string, string> = {}) {
  const result = await sluice(
    ['quality-gate', '--rules', 'rules.yml', '--format', 'json', ...args],
    { ...env(), ...extraEnv },
    work,
  );
  return {
    ...result,
    report:
      result.code !== null && result.code <= 1
        ? (JSON.parse(result.stdout) as { report: JsonReport; baseline: string }).report
        : undefined,
  };
}

describe('quality-gate with an MLflow baseline', () => {
  it("compares with the champion's logged-model metrics and links both sides to the MLflow UI", async () => {
    const champion = seeded.versions[0]!;
    writeFileSync(
      path.join(work, 'candidate.json'),
      JSON.stringify({ accuracy: champion.metrics.accuracy! + 0.01, auc: champion.metrics.auc }),
    );
    const { code, report, stderr } = await gate([
      '--metrics',
      'candidate.json',
      '--baseline',
      'mlflow:churn@champion',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const text = JSON.stringify(report);
    expect(text).toContain('churn@champion (version 1)');
    expect(text).toContain(`${server.url}/#/models/churn/versions/1`);
    expect(text).toContain(`logged model ${champion.model_id}`);
    expect(text).toContain(champion.run_id);
    // The baseline's accuracy is the training script's, read back from MLflow.
    expect(text).toContain(String(champion.metrics.accuracy));
  });

  it('gates a registered version as the candidate, charts history, and tags it (opt-in)', async () => {
    const { code, report } = await gate([
      '--metrics',
      'mlflow:churn/2',
      '--baseline',
      'mlflow:churn@champion',
      '--mlflow-tag-version',
      'candidate',
    ]);
    // Version 2 was trained on noisy features: its accuracy regressed.
    expect(code).toBe(1);
    expect(report!.verdict).toBe('fail');
    const where = report!.sections.find((s) => s.title === 'Where the metrics came from');
    expect(JSON.stringify(where)).toContain(`${server.url}/#/models/churn/versions/2`);
    expect(report!.notes.map((n) => n.text).join('\n')).toMatch(
      /Tagged version 2 of churn in MLflow at 127\.0\.0\.1:\d+: sluice\.gate=failed/,
    );
    const answer = (await (
      await fetch(`${server.url}/api/2.0/mlflow/model-versions/get?name=churn&version=2`)
    ).json()) as { model_version: { tags?: { key: string; value: string }[] } };
    expect(answer.model_version.tags).toContainEqual({ key: 'sluice.gate', value: 'failed' });
  });

  it('charts the earlier versions when the baseline is a later version', async () => {
    writeFileSync(path.join(work, 'candidate.json'), JSON.stringify({ accuracy: 0.7, auc: 0.9 }));
    const { report } = await gate(['--metrics', 'candidate.json', '--baseline', 'mlflow:churn/2']);
    const history = report!.sections.find((s) => s.title.startsWith('History'));
    expect(history?.title).toBe('History (last 2 versions of churn version 2)');
  });

  it("charts a run baseline's training curve by step (metrics/get-history)", async () => {
    writeFileSync(path.join(work, 'candidate.json'), JSON.stringify({ accuracy: 0.7, auc: 0.9 }));
    const runId = seeded.versions[0]!.run_id;
    const { report } = await gate([
      '--metrics',
      'candidate.json',
      '--baseline',
      `mlflow:runs:/${runId}`,
    ]);
    const history = report!.sections.find((s) => s.title.startsWith('History'));
    // The training script logs accuracy at steps 0-2, then the evaluation at step 3.
    expect(history?.title).toBe(`History (last 4 steps of run ${runId.slice(0, 7)})`);
  });

  it('reads a run as the candidate (mlflow:runs:/<run_id>)', async () => {
    const { code, report } = await gate([
      '--metrics',
      `mlflow:runs:/${seeded.plain_run!}`,
      '--baseline',
      'mlflow:churn/1',
    ]);
    expect(code).toBe(1);
    const where = JSON.stringify(report!.sections.find((s) => s.title.startsWith('Where')));
    expect(where).toContain(`/runs/${seeded.plain_run!}`);
  });

  it.each([
    ['mlflow:churn@staging', /has no alias `staging` on registered model `churn`/],
    ['mlflow:churn/42', /has no version 42 of registered model `churn`/],
    ['mlflow:nosuch@champion', /has no registered model `nosuch`/],
    ['mlflow:runs:/0123456789abcdef', /has no run `0123456789abcdef`/],
  ])('%s: exit 2 naming what is missing', async (baseline, message) => {
    writeFileSync(path.join(work, 'candidate.json'), '{"accuracy": 0.5}');
    const { code, stderr } = await gate(['--metrics', 'candidate.json', '--baseline', baseline]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('a server that is down: exit 3 naming it', async () => {
    const port = await freePort();
    const { code, stderr } = await gate(
      ['--metrics', 'candidate.json', '--baseline', 'mlflow:churn@champion'],
      { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}` },
    );
    expect(code).toBe(3);
    expect(stderr).toContain(`MLflow at 127.0.0.1:${port}`);
    expect(stderr).toMatch(/ECONNREFUSED/);
  });

  it('no MLFLOW_TRACKING_URI: exit 2 saying to set it', async () => {
    const { code, stderr } = await gate(
      ['--metrics', 'candidate.json', '--baseline', 'mlflow:churn@champion'],
      { MLFLOW_TRACKING_URI: '' },
    );
    expect(code).toBe(2);
    expect(stderr).toContain('MLFLOW_TRACKING_URI');
  });
});

describe("quality-gate --predictions against the champion run's predictions artifact", () => {
  // The score column gives `auc`, which the shared rules file gates (a rule that matches no
  // metric is exit 2).
  const predictionsGate = (args: string[], extraEnv: Record<string, string> = {}) =>
    gate(['--score-column', 'score', '--predictions', ...args], extraEnv);
  const where = (report: JsonReport | undefined) =>
    JSON.stringify(
      report?.sections.find((s) => s.title === 'Where the baseline predictions came from'),
    );

  it('reads eval/predictions.csv of the version behind the alias, and says where it came from', async () => {
    const champion = seeded.versions[0]!;
    // The champion's own predictions as the candidate: every example agrees with the download.
    const same = await predictionsGate([
      'v1.csv',
      '--baseline-predictions',
      'mlflow:churn@champion:eval/predictions.csv',
    ]);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    const text = JSON.stringify(same.report);
    expect(text).toContain('churn@champion (version 1): eval/predictions.csv');
    expect(text).toMatch(/no prediction metric regressed/);
    expect(where(same.report)).toContain(
      `${server.url}/#/experiments/${champion.experiment_id}/runs/${champion.run_id}`,
    );
    expect(where(same.report)).toContain(`${server.url}/#/models/churn/versions/1`);
    expect(where(same.report)).toContain('(alias champion)');
    // Version 2's predictions against it: a real comparison of 300 examples.
    const other = await predictionsGate([
      'v2.csv',
      '--baseline',
      'mlflow:churn/1',
      '--baseline-predictions',
      'mlflow:churn/1:eval/predictions.csv',
    ]);
    expect(other.code === 0 || other.code === 1).toBe(true);
    expect(JSON.stringify(other.report)).toContain('churn version 1: eval/predictions.csv');
  });

  it("reads a run's artifact by runs:/<run_id>/<path>, and by the baseline's reference", async () => {
    const run = seeded.versions[1]!.run_id;
    const byRun = await predictionsGate([
      'v2.csv',
      '--baseline-predictions',
      `mlflow:runs:/${run}/eval/predictions.csv`,
    ]);
    expect(byRun.stderr).toBe('');
    expect(byRun.code).toBe(0);
    expect(where(byRun.report)).toContain(`/runs/${run}`);
    // Without baseline-predictions, `baseline: mlflow:…` names the run and the candidate's file
    // name the artifact: a file named like it at the run's artifact root.
    mkdirSync(path.join(work, 'eval-v1'), { recursive: true });
    copyFileSync(path.join(work, 'v1.csv'), path.join(work, 'eval-v1/predictions.csv'));
    const implied = await predictionsGate([
      'eval-v1/predictions.csv',
      '--baseline',
      'mlflow:churn@champion',
    ]);
    expect(implied.code).toBe(2);
    expect(implied.stderr).toContain(`run ${seeded.versions[0]!.run_id} in MLflow at 127.0.0.1`);
    expect(implied.stderr).toContain('has no artifact `predictions.csv`');
  });

  it.each([
    ['mlflow:churn@champion:eval/nope.csv', /has no artifact `eval\/nope\.csv`/],
    ['mlflow:churn@champion:eval', /refused artifact `eval` of run \w+: .*directory/],
    ['mlflow:churn@staging:eval/predictions.csv', /has no alias `staging`/],
    ['mlflow:runs:/0123456789abcdef/eval/predictions.csv', /has no run `0123456789abcdef`/],
    ['mlflow:churn@champion:../../mlflow.db', /the artifact path holds a `\.` or `\.\.` segment/],
  ])('%s: exit 2 naming the run and path', async (spec, message) => {
    const { code, stderr } = await predictionsGate(['v1.csv', '--baseline-predictions', spec]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('a server that is down: exit 3 naming it', async () => {
    const port = await freePort();
    const { code, stderr } = await predictionsGate(
      ['v1.csv', '--baseline-predictions', 'mlflow:churn@champion:eval/predictions.csv'],
      { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}` },
    );
    expect(code).toBe(3);
    expect(stderr).toContain(`MLflow at 127.0.0.1:${port}`);
  });
});

describe('quality-gate --metrics mlflow:commit:<experiment> (runs/search by commit tag)', () => {
  it('gates the one run of the experiment tagged with the commit', async () => {
    const { code, report, stderr } = await gate([
      '--metrics',
      `mlflow:commit:churn@${COMMIT_ONE}`,
      '--baseline',
      'mlflow:churn@champion',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const run = seeded.versions[0]!.run_id;
    expect(report!.notes.map((n) => n.text).join('\n')).toContain(
      `The candidate is run ${run} of experiment churn, the one tagged with commit ${COMMIT_ONE.slice(0, 12)}.`,
    );
    expect(JSON.stringify(report)).toContain(`/runs/${run}`);
  });

  it.each([
    [
      `churn@${COMMIT_TWO}`,
      new RegExp(
        `2 active runs of experiment \`churn\` .* tagged with commit ${COMMIT_TWO} \\(\\w+, \\w+\\)`,
      ),
    ],
    [
      `churn@${'d'.repeat(40)}`,
      new RegExp(`no active run of experiment \`churn\` .* tagged with commit ${'d'.repeat(40)}`),
    ],
    [`nosuch@${COMMIT_ONE}`, /there is no experiment `nosuch`/],
    ['churn@c0ffee1', /names no full commit SHA/],
  ])('mlflow:commit:%s: exit 2 naming the experiment and commit', async (spec, message) => {
    const { code, stderr } = await gate([
      '--metrics',
      `mlflow:commit:${spec}`,
      '--baseline',
      'mlflow:churn@champion',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('the MLflow client against the real server (write-back)', () => {
  it('moves an alias (rollout promotion) and reads it back; tags a version', async () => {
    const registry = createMlflowRegistry(mlflowConfig({ MLFLOW_TRACKING_URI: server.url }), {
      masker: createMasker(),
    });
    await registry.setAlias('churn', 'challenger', '2');
    expect(await registry.resolveAlias('churn', 'challenger')).toMatchObject({
      model: 'churn',
      version: '2',
      aliases: ['challenger'],
    });
    await registry.setAlias('churn', 'challenger', '1');
    expect((await registry.resolveAlias('churn', 'challenger'))?.version).toBe('1');
    const v1 = (await registry.getVersion('churn', '1'))!;
    await registry.tagVersion(v1, { 'sluice.image': 'registry.example/churn@sha256:abc' });
    const answer = (await (
      await fetch(`${server.url}/api/2.0/mlflow/model-versions/get?name=churn&version=1`)
    ).json()) as { model_version: { tags?: { key: string; value: string }[] } };
    expect(answer.model_version.tags).toContainEqual({
      key: 'sluice.image',
      value: 'registry.example/churn@sha256:abc',
    });
    await expect(registry.setAlias('churn', 'challenger', '99')).rejects.toThrow(
      /has no version 99 of `churn`/,
    );
  });
});
