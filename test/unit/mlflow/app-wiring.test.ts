/**
 * The app's MLflow wiring: secrets from MLflow's variables are masked from the start (before
 * any call), the client loads only when used, and an MLflow candidate refuses a git baseline.
 */
import { describe, expect, it } from 'vitest';
import { lazyModelRegistry } from '../../../src/app/lazy-clients.js';
import { runQualityGate } from '../../../src/core/commands/quality-gate.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { parseInputs } from '../../../src/inputs/parse.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';
import { createMasker } from '../../../src/platforms/masker.js';

describe('lazyModelRegistry', () => {
  it('masks the password, user:password and the token at once', () => {
    const masker = createMasker();
    const registry = lazyModelRegistry(
      {
        MLFLOW_TRACKING_URI: 'https://ml.example.com',
        MLFLOW_TRACKING_USERNAME: 'bot',
        MLFLOW_TRACKING_PASSWORD: 'hunter2-xyz',
        MLFLOW_TRACKING_TOKEN: 'tok-abcdef',
      },
      masker,
    );
    expect(registry.name).toBe('MLflow at ml.example.com');
    const basic = Buffer.from('bot:hunter2-xyz').toString('base64');
    expect(masker.mask(`a hunter2-xyz b tok-abcdef c ${basic}`)).toBe('a *** b *** c ***');
  });

  it('without MLFLOW_TRACKING_URI fails only when used, as exit 2', async () => {
    const registry = lazyModelRegistry({}, createMasker());
    const error = await registry.resolveAlias('churn', 'champion').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('MLFLOW_TRACKING_URI');
  });
});

describe('an MLflow candidate', () => {
  it.each(['auto', 'git:main'])(
    'refuses `baseline: %s` (a git baseline has no run)',
    async (baseline) => {
      const inputs = parseInputs(
        qualityGate,
        (name) => ({ metrics: 'mlflow:runs:/abc', baseline })[name],
        'cli',
      );
      const error = await runQualityGate(inputs, {
        run: { platform: 'local', cwd: '/' },
      } as unknown as CommandDeps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toContain('cannot come from git');
    },
  );

  it('is never mixed with metrics files', async () => {
    const inputs = parseInputs(
      qualityGate,
      (name) => ({ metrics: 'a.json,mlflow:runs:/abc', baseline: 'none' })[name],
      'cli',
    );
    const error = await runQualityGate(inputs, {
      run: { platform: 'local', cwd: '/' },
    } as unknown as CommandDeps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('beside other candidates');
  });
});
