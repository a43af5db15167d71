/**
 * The MLflow client's failure modes a real server will not produce (5xx, 429, stalls, HTML,
 * another server's JSON), its sign-in headers and masking, GitLab's missing aliases, and the
 * configuration read from MLflow's variables. A scripted fetch stands in for the server.
 */
import { describe, expect, it } from 'vitest';
import { createMlflowRegistry } from '../../../src/clients/mlflow/client.js';
import { mlflowConfig, mlflowSecrets } from '../../../src/clients/mlflow/config.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import { secretForms } from '../../../src/core/secret-forms.js';
import { createMasker } from '../../../src/platforms/masker.js';

type Answer = { status: number; body: string; type?: string; headers?: Record<string, string> };

const VERSION = JSON.stringify({
  model_version: {
    name: 'churn',
    version: '3',
    run_id: 'r3',
    source: 'models:/m-0123456789abcdef',
    aliases: ['champion'],
  },
});

/** A fetch answering from a script, recording every request. */
function scripted(answers: (url: URL, init: RequestInit) => Answer | 'refuse' | 'stall') {
  const seen: { url: URL; headers: Headers; method: string }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    seen.push({ url, headers: request.headers, method: request.method });
    const answer = answers(url, init ?? {});
    if (answer === 'refuse')
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    if (answer === 'stall') {
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
      );
    }
    return new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': answer.type ?? 'application/json', ...answer.headers },
    });
  };
  return { fetchImpl, seen };
}

function registry(
  answers: Parameters<typeof scripted>[0],
  env: Record<string, string> = {},
  extra: { bounds?: { headersTimeoutMs: number } } = {},
) {
  const { fetchImpl, seen } = scripted(answers);
  const masker = createMasker();
  for (const secret of mlflowSecrets(env)) masker.add(secret);
  const sleeps: number[] = [];
  const reg = createMlflowRegistry(
    mlflowConfig({ MLFLOW_TRACKING_URI: 'https://ml.example.com/', ...env }),
    {
      masker,
      fetch: fetchImpl,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      ...extra,
    },
  );
  return { reg, seen, sleeps, masker };
}

const fail = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('MLflow client transport', () => {
  it('retries 5xx and 429 with backoff (Retry-After honoured), then succeeds', async () => {
    let n = 0;
    const { reg, sleeps } = registry(() => {
      n += 1;
      if (n === 1) return { status: 503, body: 'busy', type: 'text/plain' };
      if (n === 2) return { status: 429, body: '{}', headers: { 'retry-after': '2' } };
      return { status: 200, body: VERSION };
    });
    const version = await reg.resolveAlias('churn', 'champion');
    expect(version).toMatchObject({ model: 'churn', version: '3', modelId: 'm-0123456789abcdef' });
    expect(version!.url).toBe('https://ml.example.com/#/models/churn/versions/3');
    expect(sleeps).toEqual([500, 2000]);
  });

  it('gives up after 4 attempts: exit 3 naming the server and what it said', async () => {
    const { reg, seen } = registry(() => ({ status: 502, body: '<html>Bad gateway</html>' }));
    const error = await fail(reg.resolveAlias('churn', 'champion'));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toMatch(
      /^MLflow at ml\.example\.com: \/registered-models\/alias answered 502: <html>Bad gateway<\/html> \(after 4 attempts\)/,
    );
    expect(seen).toHaveLength(4);
  });

  it('a server that does not answer in time: exit 3 naming it', async () => {
    const { reg } = registry(() => 'stall', {}, { bounds: { headersTimeoutMs: 20 } });
    const error = await fail(reg.getVersion('churn', '3'));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toMatch(
      /ml\.example\.com sent no answer within 0\.02 s after 4 attempts/,
    );
  });

  it('a refused connection: exit 3 with the system code', async () => {
    const { reg } = registry(() => 'refuse');
    const error = await fail(reg.getVersion('churn', '3'));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toContain('cannot connect (ECONNREFUSED)');
  });

  it('an HTML page (a login proxy): exit 3 with what came back, bounded and masked', async () => {
    const token = 'tok-5f2a9c1e7b3d';
    const page = `<html><body>Sign in ${token} ${'x'.repeat(5000)}</body></html>`;
    const { reg } = registry(() => ({ status: 200, body: page, type: 'text/html' }), {
      MLFLOW_TRACKING_TOKEN: token,
    });
    const error = await fail(reg.resolveAlias('churn', 'champion'));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toMatch(
      /answered 200 with text\/html, not MLflow's JSON: <html><body>Sign in \*\*\*/,
    );
    expect(error!.message.length).toBeLessThan(500);
    for (const form of secretForms(token)) expect(error!.message).not.toContain(form);
  });

  it("another server's JSON (no model_version): exit 3", async () => {
    const { reg } = registry(() => ({ status: 200, body: '{"hello": "world"}' }));
    const error = await fail(reg.resolveAlias('churn', 'champion'));
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toContain('answered without a model version');
  });

  it('a JSON array or scalar is not MLflow either', async () => {
    const { reg } = registry(() => ({ status: 200, body: '[1,2]' }));
    expect(await fail(reg.getVersion('churn', '1'))).toBeInstanceOf(InfraError);
  });

  it('a server without the logged-models endpoint: the run metrics stand in', async () => {
    const { reg } = registry((url) => {
      if (url.pathname.includes('/logged-models/'))
        return { status: 404, body: 'Not Found', type: 'text/html' };
      return {
        status: 200,
        body: JSON.stringify({
          run: {
            info: { run_id: 'r3', experiment_id: '4' },
            data: {
              metrics: [
                { key: 'accuracy', value: 0.7, step: 0, timestamp: 1 },
                { key: 'accuracy', value: 0.9, step: 2, timestamp: 2 },
                { key: 'accuracy', value: 0.8, step: 1, timestamp: 3 },
              ],
            },
          },
        }),
      };
    });
    const metrics = await reg.readMetrics({
      model: 'churn',
      version: '3',
      runId: 'r3',
      modelId: 'm-0123456789abcdef',
    });
    expect([...metrics.values]).toEqual([['accuracy', 0.9]]);
    expect(metrics.source).toBe('run r3');
    expect(metrics.url).toBe('https://ml.example.com/#/experiments/4/runs/r3');
  });
});

describe('MLflow sign-in', () => {
  it('basic auth: the header carries user:password, and every form of it is masked', async () => {
    const { reg, seen, masker } = registry(() => ({ status: 200, body: VERSION }), {
      MLFLOW_TRACKING_USERNAME: 'ci-bot',
      MLFLOW_TRACKING_PASSWORD: 'p@ss word+9/x',
    });
    await reg.getVersion('churn', '3');
    const header = seen[0]!.headers.get('authorization')!;
    expect(header).toBe(`Basic ${Buffer.from('ci-bot:p@ss word+9/x').toString('base64')}`);
    expect(masker.mask(header)).not.toContain(header.slice(6));
    expect(masker.mask(encodeURIComponent('p@ss word+9/x'))).toBe('***');
  });

  it('bearer token', async () => {
    const { reg, seen } = registry(() => ({ status: 200, body: VERSION }), {
      MLFLOW_TRACKING_TOKEN: 'dapi-abcdef123456',
    });
    await reg.getVersion('churn', '3');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer dapi-abcdef123456');
  });

  it('403 on a write: exit 2 saying the account may not edit', async () => {
    const { reg } = registry(
      () => ({
        status: 403,
        body: '{"error_code":"PERMISSION_DENIED","message":"no"}',
      }),
      { MLFLOW_TRACKING_TOKEN: 'dapi-abcdef123456' },
    );
    const error = await fail(
      reg.tagVersion({ model: 'churn', version: '3' }, { 'sluice.gate': 'passed' }),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).hint).toMatch(/edit/);
  });
});

describe("GitLab's MLflow-compatible API", () => {
  const gitlab = { MLFLOW_TRACKING_URI: 'https://gitlab.example.com/api/v4/projects/42/ml/mlflow' };

  it('has no aliases: a version number given as the alias is read as the version, and said so', async () => {
    const { reg, seen } = registry(() => ({ status: 200, body: VERSION }), gitlab);
    const version = await reg.resolveAlias('churn', '3');
    expect(seen[0]!.url.pathname).toBe(
      '/api/v4/projects/42/ml/mlflow/api/2.0/mlflow/model-versions/get',
    );
    expect(version!.note).toMatch(
      /GitLab's MLflow-compatible API has no model aliases: its alias lookup takes a version number/,
    );
    expect(version!.url).toBeUndefined();
  });

  it('a real alias name there is exit 2 saying so plainly', async () => {
    const { reg } = registry(() => ({ status: 200, body: VERSION }), gitlab);
    const error = await fail(reg.resolveAlias('churn', 'champion'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toMatch(/has no model aliases.*`champion` is not one/);
    expect((error as UsageError).hint).toContain('mlflow:churn/<version>');
  });

  it('an alias to remove (a rollout challenger) is exit 2 there, nothing sent', async () => {
    const { reg, seen } = registry(() => ({ status: 200, body: '{}' }), gitlab);
    const error = await fail(reg.deleteAlias!('churn', 'challenger'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toMatch(
      /has no model aliases.*: sluice cannot remove `challenger` there/,
    );
    expect(seen).toEqual([]);
  });

  it('has no logged models: a run-registered version is read from its run, no search sent', async () => {
    const { reg, seen } = registry(
      () => ({
        status: 200,
        body: JSON.stringify({
          run: { info: { run_id: 'r5', experiment_id: '4' }, data: { metrics: [] } },
        }),
      }),
      gitlab,
    );
    const metrics = await reg.readMetrics({
      model: 'churn',
      version: '5',
      runId: 'r5',
      source: 'runs:/r5/model',
    });
    expect(metrics.source).toBe('run r5');
    expect(seen.map((s) => s.url.pathname.split('/').slice(-2).join('/'))).toEqual(['runs/get']);
  });
});

describe('MLflow configuration', () => {
  it.each([
    [{}, /MLFLOW_TRACKING_URI, which is not set/],
    [{ MLFLOW_TRACKING_URI: 'sqlite:///mlflow.db' }, /http\(s\) URL/],
    [
      { MLFLOW_TRACKING_URI: 'https://u:p@ml.example.com' },
      /must not carry a user name or password/,
    ],
    [
      { MLFLOW_TRACKING_URI: 'https://ml.example.com', MLFLOW_TRACKING_USERNAME: 'u' },
      /PASSWORD is not set/,
    ],
    [{ MLFLOW_TRACKING_URI: 'databricks' }, /DATABRICKS_HOST or DATABRICKS_TOKEN/],
  ])('%o is exit 2', (env, message) => {
    expect(() => mlflowConfig(env)).toThrow(UsageError);
    expect(() => mlflowConfig(env)).toThrow(message);
  });

  it('Databricks: the workspace host with its token', () => {
    const config = mlflowConfig({
      MLFLOW_TRACKING_URI: 'databricks',
      DATABRICKS_HOST: 'adb-1.azuredatabricks.net',
      DATABRICKS_TOKEN: 'dapi-1234',
    });
    expect(config).toMatchObject({
      baseUrl: 'https://adb-1.azuredatabricks.net',
      flavour: 'databricks',
      auth: { kind: 'bearer', token: 'dapi-1234' },
    });
  });

  it('basic wins over a token when both are set (as in MLflow)', () => {
    expect(
      mlflowConfig({
        MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
        MLFLOW_TRACKING_USERNAME: 'u',
        MLFLOW_TRACKING_PASSWORD: 'pw12',
        MLFLOW_TRACKING_TOKEN: 'tok1',
      }).auth.kind,
    ).toBe('basic');
  });
});

describe('a version without model_id: its run logged model (logged-models/search)', () => {
  const run = {
    run: {
      info: { run_id: 'r5', experiment_id: '4', artifact_uri: 's3://bucket/4/r5/artifacts' },
      data: { metrics: [{ key: 'accuracy', value: 0.5, step: 0, timestamp: 1 }] },
      outputs: {
        model_outputs: [
          { model_id: 'm-early', step: 1 },
          { model_id: 'm-late', step: 3 },
        ],
      },
    },
  };
  const logged = (id: string, runId: string, accuracy: number) => ({
    info: { model_id: id, experiment_id: '4', name: 'model', source_run_id: runId },
    data: { metrics: [{ key: 'accuracy', value: accuracy, step: 0, timestamp: 1 }] },
  });
  const bodies: unknown[] = [];
  const answers = (search: Answer) => (url: URL, init: RequestInit) => {
    if (url.pathname.endsWith('/logged-models/search')) {
      const body = init.body;
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body as ArrayBuffer);
      bodies.push(JSON.parse(text));
      return search;
    }
    return { status: 200, body: JSON.stringify(run) };
  };

  it("reads the logged model its run logged last under the source's name, and says how it was found", async () => {
    bodies.length = 0;
    const { reg } = registry(
      answers({
        status: 200,
        body: JSON.stringify({
          models: [
            logged('m-early', 'r5', 0.8),
            logged('m-other-run', 'r9', 0.99),
            logged('m-late', 'r5', 0.9),
          ],
        }),
      }),
    );
    for (const source of ['runs:/r5/model', 's3://bucket/4/r5/artifacts/model/']) {
      const metrics = await reg.readMetrics({ model: 'churn', version: '5', runId: 'r5', source });
      expect([...metrics.values]).toEqual([['accuracy', 0.9]]);
      expect(metrics.source).toBe(
        'logged model m-late (logged by run r5 as `model`; the version has no model_id)',
      );
    }
    expect(bodies[0]).toEqual({
      experiment_ids: ['4'],
      filter: "name = 'model'",
      max_results: 100,
    });
  });

  it("an MLflow 2 server (no such endpoint), no logged model of the run, or a source naming none: the run's metrics", async () => {
    for (const search of [
      { status: 404, body: 'Not Found', type: 'text/html' },
      { status: 200, body: JSON.stringify({ models: [logged('m-x', 'r9', 0.99)] }) },
    ]) {
      const { reg } = registry(answers(search));
      const metrics = await reg.readMetrics({
        model: 'churn',
        version: '5',
        runId: 'r5',
        source: 'runs:/r5/model',
      });
      expect(metrics.source).toBe('run r5');
      expect([...metrics.values]).toEqual([['accuracy', 0.5]]);
    }
    bodies.length = 0;
    const { reg } = registry(answers({ status: 500, body: '{}' }));
    for (const source of ["runs:/r5/it's", 's3://elsewhere/model', 'runs:/r5/a\u0000b']) {
      const metrics = await reg.readMetrics({ model: 'churn', version: '5', runId: 'r5', source });
      expect(metrics.source).toBe('run r5');
    }
    // A name the filter cannot quote is never sent.
    expect(bodies).toEqual([]);
  });
});
