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

  it('describes the endpoints sluice uses', async () => {
    const text = await readFile(path.join(root, 'src/clients/mlflow/openapi.yaml'), 'utf8');
    for (const endpoint of [
      '/experiments/get-by-name:',
      '/runs/get:',
      '/runs/search:',
      '/metrics/get-history:',
      '/registered-models/get:',
      '/registered-models/alias:',
      '/model-versions/get:',
      '/model-versions/search:',
      '/model-versions/set-tag:',
      '/model-versions/delete-tag:',
      '/logged-models/{model_id}:',
      '/logged-models/search:',
    ]) {
      expect(text).toContain(`\n  ${endpoint}\n`);
    }
  });
});
