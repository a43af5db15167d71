/**
 * The MLflow client's types are generated from the hand-written OpenAPI description: the
 * committed schema.d.ts must be what `npm run generate` writes (CI's `generate --check` too),
 * and the description must keep the endpoints the client calls.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MLFLOW_SCHEMA, renderMlflowSchema } from '../../../scripts/generate/mlflow-schema.js';

const root = path.resolve(import.meta.dirname, '../../..');

describe('MLflow OpenAPI types', () => {
  it('schema.d.ts is fresh', async () => {
    const committed = await readFile(path.join(root, MLFLOW_SCHEMA), 'utf8');
    expect(committed).toBe(await renderMlflowSchema(root));
  }, 30_000);

  it('describes exactly the endpoints the client calls', async () => {
    const text = await readFile(path.join(root, 'src/clients/mlflow/openapi.yaml'), 'utf8');
    const client = await readFile(path.join(root, 'src/clients/mlflow/client.ts'), 'utf8');
    const described = [...text.matchAll(/^ {2}(\/[^\s:]+):$/gm)].map((m) => m[1]!).sort();
    const called = [...client.matchAll(/\b\w+\.(?:GET|POST|DELETE|PUT)\(\s*'([^']+)'/g)].map(
      (m) => m[1]!,
    );
    expect(new Set(called)).toEqual(new Set(described));
    // The endpoints, each with its use (see the description's header): the challenger
    // alias removed after a rollout, a stale gate-failure tag removed, a run's logged model found.
    for (const needed of ['/model-versions/delete-tag', '/logged-models/search'])
      expect(described).toContain(needed);
    expect(client).toMatch(/api\.DELETE\('\/registered-models\/alias'/);
    expect(client).toMatch(/api\.DELETE\('\/model-versions\/delete-tag'/);
    expect(text.match(/^ {4}delete:/gm)).toHaveLength(2);
    // The download route sits at the server's root.
    expect(text).toMatch(/\/get-artifact:\n {4}servers:/);
  });
});
