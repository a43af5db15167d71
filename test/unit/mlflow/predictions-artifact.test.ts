/**
 * Baseline predictions from an MLflow run's artifact, without a server: the one parser of
 * `baseline-predictions` (paths confined to the run's artifacts), the client's bounded,
 * streamed download over a scripted fetch (size, silence, 5xx, HTML, a missing file), and
 * `mlflow:commit:<experiment>` resolving the commit and naming what matched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMlflowRegistry } from '../../../src/clients/mlflow/client.js';
import { mlflowConfig } from '../../../src/clients/mlflow/config.js';
import { findCommitRun } from '../../../src/core/baseline/registry.js';
import {
  artifactPathProblem,
  parseBaselineSpec,
  parseCommitRunRef,
  parsePredictionsBaseline,
} from '../../../src/core/baseline/spec.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { GitReader, ModelRegistry } from '../../../src/core/ports.js';
import { createMasker } from '../../../src/platforms/masker.js';
import { tempDir } from '../support/temp-dirs.js';

const fail = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  return undefined;
};

describe('baseline-predictions: one parser for every form', () => {
  it.each([
    ['preds/base.csv', { kind: 'file', path: 'preds/base.csv' }],
    ['git:main', { kind: 'git', ref: 'main' }],
    ['mlflow:churn@champion', { kind: 'mlflow', ref: { model: 'churn', alias: 'champion' } }],
    [
      'mlflow:churn@champion:eval/predictions.csv',
      {
        kind: 'mlflow',
        ref: { model: 'churn', alias: 'champion' },
        artifact: 'eval/predictions.csv',
      },
    ],
    [
      'mlflow:churn/3:predictions.parquet',
      { kind: 'mlflow', ref: { model: 'churn', version: '3' }, artifact: 'predictions.parquet' },
    ],
    [
      'mlflow:runs:/abc123/eval/p.csv',
      { kind: 'mlflow', ref: { runId: 'abc123' }, artifact: 'eval/p.csv' },
    ],
    ['mlflow:runs:/abc123', { kind: 'mlflow', ref: { runId: 'abc123' } }],
  ])('%s', (text, expected) => {
    expect(parsePredictionsBaseline(text)).toEqual(expected);
  });

  it('a bad git ref is refused the same way for baseline and baseline-predictions', () => {
    const a = thrown(() => parseBaselineSpec('git:a..b'));
    const b = thrown(() => parsePredictionsBaseline('git:a..b'));
    expect(a).toBeInstanceOf(UsageError);
    expect(b).toBeInstanceOf(UsageError);
    expect(b!.message).toBe(a!.message.replace(/^baseline /, 'baseline-predictions '));
    expect(thrown(() => parsePredictionsBaseline('git:'))!.message).toContain('is empty');
  });

  it.each([
    'mlflow:churn@champion:../secrets.csv',
    'mlflow:churn@champion:eval/../../x.csv',
    'mlflow:churn@champion:/etc/passwd',
    'mlflow:churn@champion:http://evil.test/p.csv',
    'mlflow:churn@champion:C:\\p.csv',
    'mlflow:churn@champion:eval\\..\\p.csv',
    'mlflow:churn/3:eval//p.csv',
    'mlflow:churn/3:eval/./p.csv',
    'mlflow:churn/3:p.csv?x=1',
    'mlflow:churn/3:%2e%2e/p.csv',
    'mlflow:churn/3:*.csv',
    'mlflow:runs:/abc/../../p.csv',
    'mlflow:runs:/abc//etc/passwd',
    'mlflow:churn/3:p\u0000.csv',
  ])('%s: exit 2, the artifact path stays inside the run', (text) => {
    const error = thrown(() => parsePredictionsBaseline(text));
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toMatch(/the artifact path/);
    expect(error!.message).not.toContain(String.fromCharCode(0));
  });

  it('no accepted artifact path climbs out, is absolute or names a scheme (property)', () => {
    const part = fc.constantFrom(
      'a',
      'eval',
      '..',
      '.',
      '',
      'x.csv',
      '%2e',
      '\\',
      'c:',
      'http:',
      '~',
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), fc.boolean(), (parts, lead) => {
        const artifact = `${lead ? '/' : ''}${parts.join('/')}`;
        if (artifactPathProblem(artifact) !== undefined) return;
        const segments = artifact.split('/');
        expect(segments).not.toContain('..');
        expect(segments).not.toContain('.');
        expect(segments).not.toContain('');
        expect(artifact).not.toMatch(/^[a-z]+:|\\|%/i);
        expect(path.posix.normalize(artifact)).toBe(artifact);
      }),
    );
  });

  it('mlflow:commit:<experiment>[@<full sha>]', () => {
    expect(parseCommitRunRef('commit:churn', 'metrics')).toEqual({ experiment: 'churn' });
    expect(parseCommitRunRef(`commit:team/churn@${'A'.repeat(40)}`, 'metrics')).toEqual({
      experiment: 'team/churn',
      commit: 'a'.repeat(40),
    });
    expect(parseCommitRunRef('churn@champion', 'metrics')).toBeUndefined();
    expect(thrown(() => parseCommitRunRef('commit:churn@abc1234', 'metrics'))!.message).toMatch(
      /names no full commit SHA/,
    );
    expect(thrown(() => parseCommitRunRef('commit:', 'metrics'))!.message).toMatch(
      /names no experiment/,
    );
  });
});

type Answer =
  | { status: number; body?: ConstructorParameters<typeof Response>[0]; type?: string }
  | 'stall-body';

function downloader(answer: (url: URL) => Answer, bounds = {}) {
  const seen: URL[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(new Request(input, init).url);
    seen.push(url);
    const a = answer(url);
    if (a === 'stall-body') {
      // One chunk, then silence until the reader gives up.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('id,label\n'));
        },
      });
      return new Response(body, { status: 200 });
    }
    return new Response(a.body ?? '', {
      status: a.status,
      headers: { 'content-type': a.type ?? 'application/octet-stream' },
    });
  };
  const reg = createMlflowRegistry(
    mlflowConfig({ MLFLOW_TRACKING_URI: 'https://ml.example.com/sub' }),
    {
      masker: createMasker(),
      fetch: fetchImpl,
      sleep: () => Promise.resolve(),
      bounds,
    },
  );
  return { reg, seen };
}

describe('the MLflow client downloads a run artifact (get-artifact)', () => {
  it('streams it to the file, at the server root, with run_id and path', async () => {
    const dir = tempDir('sluice-artifact-');
    const { reg, seen } = downloader(() => ({ status: 200, body: 'id,label\n1,0\n' }));
    const to = path.join(dir, 'p.csv');
    expect(await reg.downloadArtifact!('r1', 'eval/p.csv', to, 1000)).toEqual({ bytes: 13 });
    expect(readFileSync(to, 'utf8')).toBe('id,label\n1,0\n');
    expect(seen[0]!.pathname).toBe('/sub/get-artifact');
    expect(seen[0]!.searchParams.get('run_id')).toBe('r1');
    expect(seen[0]!.searchParams.get('path')).toBe('eval/p.csv');
  });

  it('signs in on the download route too (bearer token)', async () => {
    const dir = tempDir('sluice-artifact-');
    const headers: Headers[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      headers.push(new Request(input, init).headers);
      return Promise.resolve(new Response('id\n', { status: 200 }));
    };
    const reg = createMlflowRegistry(
      mlflowConfig({
        MLFLOW_TRACKING_URI: 'https://ml.example.com',
        MLFLOW_TRACKING_TOKEN: 'tok-1',
      }),
      { masker: createMasker(), fetch: fetchImpl },
    );
    await reg.downloadArtifact!('r1', 'p.csv', path.join(dir, 'p.csv'), 1000);
    expect(headers[0]!.get('authorization')).toBe('Bearer tok-1');
  });

  it('larger than the bound: exit 2 naming run, path and bound, and no file left', async () => {
    const dir = tempDir('sluice-artifact-');
    const chunk = new Uint8Array(64 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(chunk); // endless
      },
    });
    const { reg } = downloader(() => ({ status: 200, body }));
    const to = path.join(dir, 'p.csv');
    const error = await fail(reg.downloadArtifact!('r1', 'p.csv', to, 1_000_000));
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toMatch(/artifact `p.csv` of run r1 .* larger than 1,000,000 bytes/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a body that stalls: exit 3, no file left', async () => {
    const dir = tempDir('sluice-artifact-');
    const { reg } = downloader(() => 'stall-body', { idleTimeoutMs: 50 });
    const to = path.join(dir, 'p.csv');
    const error = await fail(reg.downloadArtifact!('r1', 'p.csv', to, 1000));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toMatch(
      /reading artifact `p.csv` of run r1 failed: nothing more arrived/,
    );
    expect(existsSync(to)).toBe(false);
  });

  it('missing run or file (404 RESOURCE_DOES_NOT_EXIST): undefined, for the core to name', async () => {
    const dir = tempDir('sluice-artifact-');
    const { reg } = downloader(() => ({
      status: 404,
      type: 'application/json',
      body: JSON.stringify({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: "No such artifact: 'p.csv'",
      }),
    }));
    expect(
      await reg.downloadArtifact!('r1', 'p.csv', path.join(dir, 'p.csv'), 1000),
    ).toBeUndefined();
  });

  it('5xx every time: exit 3 after the retries; an HTML page: exit 3 with what came back', async () => {
    const dir = tempDir('sluice-artifact-');
    let n = 0;
    const { reg } = downloader(() => {
      n += 1;
      return { status: 503, type: 'text/plain', body: 'overloaded' };
    });
    const error = await fail(reg.downloadArtifact!('r1', 'p.csv', path.join(dir, 'p.csv'), 1000));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toMatch(
      /MLflow at ml\.example\.com: \/sub\/get-artifact answered 503: overloaded/,
    );
    expect(n).toBe(4);
    const html = downloader(() => ({ status: 404, type: 'text/html', body: '<html>nope</html>' }));
    const missing = await fail(
      html.reg.downloadArtifact!('r1', 'p.csv', path.join(dir, 'q.csv'), 1000),
    );
    // A 404 that is not MLflow's (no route): the run's root is asked for, and that is HTML too.
    expect(missing).toBeInstanceOf(InfraError);
    expect(missing!.message).toMatch(/has no endpoint for run r1/);
  });
});

describe('without /get-artifact, the artifact proxy route under the run root', () => {
  const runAnswer = (root: string): Answer => ({
    status: 200,
    type: 'application/json',
    body: JSON.stringify({ run: { info: { run_id: 'r1', artifact_uri: root } } }),
  });
  const noRoute: Answer = { status: 404, type: 'text/html', body: '<html>Not Found</html>' };

  it('reads <root>/<path>, each segment encoded', async () => {
    const dir = tempDir('sluice-artifact-');
    const { reg, seen } = downloader((url) =>
      url.pathname.endsWith('/get-artifact')
        ? noRoute
        : url.pathname.endsWith('/runs/get')
          ? runAnswer('mlflow-artifacts://ml.example.com/1/r1/artifacts')
          : { status: 200, body: 'id\n1\n' },
    );
    const to = path.join(dir, 'p.csv');
    expect(await reg.downloadArtifact!('r1', 'eval/p q.csv', to, 1000)).toEqual({ bytes: 5 });
    expect(seen.at(-1)!.pathname).toBe(
      '/sub/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/eval/p%20q.csv',
    );
  });

  it("GitLab's MLflow API: the proxy route at once (its JSON 404 for /get-artifact is no missing file)", async () => {
    const dir = tempDir('sluice-artifact-');
    const seen: URL[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      const url = new URL(new Request(input, init).url);
      seen.push(url);
      const answer: { status: number; body: string; type: string } = url.pathname.endsWith(
        '/get-artifact',
      )
        ? { status: 404, body: '{"error":"404 Not Found"}', type: 'application/json' }
        : url.pathname.endsWith('/runs/get')
          ? {
              status: 200,
              type: 'application/json',
              body: JSON.stringify({
                run: {
                  info: {
                    run_id: 'r1',
                    artifact_uri: 'mlflow-artifacts:/ml_experiment_1/candidate_5',
                  },
                },
              }),
            }
          : { status: 200, body: 'id\n1\n', type: 'application/octet-stream' };
      return Promise.resolve(
        new Response(answer.body, {
          status: answer.status,
          headers: { 'content-type': answer.type },
        }),
      );
    };
    const base = 'https://gitlab.example.com/api/v4/projects/7/ml/mlflow';
    for (const uri of [base, 'https://ml.example.com']) {
      seen.length = 0;
      const reg = createMlflowRegistry(mlflowConfig({ MLFLOW_TRACKING_URI: uri }), {
        masker: createMasker(),
        fetch: fetchImpl,
      });
      const to = path.join(dir, `p${seen.length}-${uri.length}.csv`);
      expect(await reg.downloadArtifact!('r1', 'p.csv', to, 1000)).toEqual({ bytes: 5 });
      expect(seen.at(-1)!.pathname).toMatch(
        /\/api\/2\.0\/mlflow-artifacts\/artifacts\/ml_experiment_1\/candidate_5\/p\.csv$/,
      );
      // GitLab is never asked for a route it lacks; another server's JSON 404 sends it on too.
      expect(seen.some((u) => u.pathname.endsWith('/get-artifact'))).toBe(uri !== base);
    }
  });

  it.each(['s3://bucket/1/r1/artifacts', 'mlflow-artifacts:/1/../../etc', '/srv/mlruns/1/r1'])(
    'a root it does not proxy (%s): exit 3 saying so, nothing read from it',
    async (root) => {
      const dir = tempDir('sluice-artifact-');
      const { reg, seen } = downloader((url) =>
        url.pathname.endsWith('/get-artifact') ? noRoute : runAnswer(root),
      );
      const error = await fail(reg.downloadArtifact!('r1', 'p.csv', path.join(dir, 'p.csv'), 1000));
      expect(error).toBeInstanceOf(InfraError);
      expect(error!.message).toMatch(/has no artifact download route .* which it does not proxy/);
      expect(seen.map((u) => u.pathname)).toEqual([
        '/sub/get-artifact',
        '/sub/api/2.0/mlflow/runs/get',
      ]);
    },
  );
});

describe('mlflow:commit:<experiment> finds the candidate run', () => {
  const head = 'f'.repeat(40);
  const git = {
    mergeBase: (a: string, b: string) => Promise.resolve(a === 'HEAD' && b === 'HEAD' ? head : ''),
  } as GitReader;
  function registry(runs: { runId: string }[] | undefined) {
    const asked: { experiment: string; commit: string }[] = [];
    const reg = {
      name: 'MLflow at ml.test',
      findRunsByCommit: (experiment: string, commit: string) => {
        asked.push({ experiment, commit });
        return Promise.resolve(runs);
      },
    } as unknown as ModelRegistry;
    return { reg, asked };
  }

  it("uses the pull request's head, else the CI's commit, else the working copy's HEAD", async () => {
    const { reg, asked } = registry([{ runId: 'r1' }]);
    const run = { platform: 'local' as const, cwd: '/w' };
    await findCommitRun({ experiment: 'churn' }, { modelRegistry: reg, git, run }, 'metrics');
    await findCommitRun(
      { experiment: 'churn' },
      { modelRegistry: reg, git, run: { ...run, commit: { sha: 'c'.repeat(40) } } },
      'metrics',
    );
    const found = await findCommitRun(
      { experiment: 'churn' },
      {
        modelRegistry: reg,
        git,
        run: {
          ...run,
          commit: { sha: 'c'.repeat(40) },
          changeRequest: { number: 1, baseRef: 'main', headSha: 'e'.repeat(40), isFork: false },
        },
      },
      'metrics',
    );
    expect(asked.map((a) => a.commit)).toEqual([head, 'c'.repeat(40), 'e'.repeat(40)]);
    expect(found.runId).toBe('r1');
  });

  it.each([
    [undefined, /there is no experiment `churn` of MLflow at ml\.test/],
    [[], /no active run of experiment `churn` .* is tagged with commit f{40}/],
    [
      [{ runId: 'r1' }, { runId: 'r2' }],
      /2 active runs of experiment `churn` .* commit f{40} \(r1, r2\)/,
    ],
  ])('%j: exit 2 naming the experiment and the commit', async (runs, message) => {
    const { reg } = registry(runs);
    const error = await fail(
      findCommitRun(
        { experiment: 'churn' },
        { modelRegistry: reg, git, run: { platform: 'local', cwd: '/w' } },
        'metrics',
      ),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toMatch(message);
  });
});
