/**
 * Hostile answers from an MLflow server: odd metric values (strings, NaN as text, objects),
 * names that try to break out of a report, a flood of bytes, a huge error message echoing the
 * token. sluice keeps what is a number, bounds what it prints, masks the token, and never
 * crashes (exit 70).
 */
import { describe, expect, it } from 'vitest';
import { createMlflowRegistry } from '../../src/clients/mlflow/client.js';
import { mlflowConfig } from '../../src/clients/mlflow/config.js';
import { InfraError, SluiceError } from '../../src/core/errors.js';
import { secretForms } from '../../src/core/secret-forms.js';
import { createMasker } from '../../src/platforms/masker.js';

const token = 'tok-hostile-8c2e91';

function registry(body: string | Uint8Array, status = 200) {
  const masker = createMasker();
  masker.add(token);
  return createMlflowRegistry(
    mlflowConfig({ MLFLOW_TRACKING_URI: 'https://ml.example.com', MLFLOW_TRACKING_TOKEN: token }),
    {
      masker,
      fetch: () =>
        Promise.resolve(
          new Response(body, { status, headers: { 'content-type': 'application/json' } }),
        ),
      sleep: () => Promise.resolve(),
      bounds: { maxBytes: 64 * 1024 },
    },
  );
}

const run = (metrics: unknown[]) =>
  JSON.stringify({ run: { info: { run_id: 'r1', experiment_id: '1' }, data: { metrics } } });

describe('hostile MLflow answers', () => {
  it('keep only numbers: NaN/Infinity as text are numbers, garbage is left out', async () => {
    const reg = registry(
      run([
        { key: 'a', value: 'NaN' },
        { key: 'b', value: '-Infinity' },
        { key: 'c', value: '0.5' },
        { key: 'd', value: 'DROP TABLE' },
        { key: 'e', value: { nested: 1 } },
        { key: 'f', value: null },
        { key: 7, value: 1 },
        { value: 1 },
        { key: 'g', value: 2, step: '10' },
        { key: 'g', value: 3, step: '9' },
      ]),
    );
    const read = await reg.readRun!('r1');
    expect([...read!.values]).toEqual([
      ['a', Number.NaN],
      ['b', Number.NEGATIVE_INFINITY],
      ['c', 0.5],
      ['g', 2],
    ]);
  });

  it('a flood larger than the bound is exit 3 naming the server', async () => {
    const reg = registry(`{"run": "${'x'.repeat(200_000)}"}`);
    const error = await reg.readRun!('r1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toMatch(
      /ml\.example\.com sent an answer larger than 65536 bytes/,
    );
  });

  it('an error message echoing the token, with control characters, is bounded and masked', async () => {
    const message = `denied for Bearer ${token}\n::error::injected ${'y'.repeat(10_000)}`;
    const reg = registry(JSON.stringify({ error_code: 'INTERNAL_ERROR', message }), 400);
    const error = (await reg.getVersion('churn', '1').catch((e: unknown) => e)) as SluiceError;
    expect(error).toBeInstanceOf(SluiceError);
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThan(600);
    for (const form of secretForms(token)) expect(error.message).not.toContain(form);
  });

  it.each([
    '{"model_version": {"name": "churn"}}',
    '{"model_version": []}',
    '{"model_version": "x"}',
    'null',
    '"text"',
    '',
  ])('a malformed version answer %j is exit 3, not a crash', async (body) => {
    const reg = registry(body);
    const error = await reg.resolveAlias('churn', 'champion').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
  });
});
