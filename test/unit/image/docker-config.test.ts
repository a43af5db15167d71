import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import { credentialsFromDockerConfig } from '../../../src/clients/oci/docker-config.js';
import { tempDir } from '../support/temp-dirs.js';
import { usageError } from './helpers.js';

const configDir = (text?: string): string => {
  const dir = tempDir('sluice-docker-config-');
  if (text !== undefined) writeFileSync(join(dir, 'config.json'), text);
  return dir;
};

describe('Docker config', () => {
  it('means no credentials when config.json is missing', async () => {
    expect(await credentialsFromDockerConfig(configDir(), 'r.example:5000', nodeExec)).toBe(
      undefined,
    );
  });

  it('refuses a config.json that is not JSON, naming the file and where, without its text', async () => {
    const secret = Buffer.from('robot:s3cret-pw').toString('base64');
    const dir = configDir(`{"auths": {"r.example:5000": {"auth": "${secret}"}}\n`);
    const error = await usageError(credentialsFromDockerConfig(dir, 'r.example:5000', nodeExec));
    expect(error.message).toContain(join(dir, 'config.json'));
    expect(error.message).toMatch(/not valid JSON: .*\(line 2, column 1\)/);
    expect(error.message).not.toContain(secret);
    expect(error.place?.file).toBe(join(dir, 'config.json'));
  });

  it('refuses a config.json that cannot be read', async () => {
    // A folder in its place: unreadable as a file even for root (chmod 000 is not).
    const dir = configDir();
    mkdirSync(join(dir, 'config.json'));
    const error = await usageError(credentialsFromDockerConfig(dir, 'r.example:5000', nodeExec));
    expect(error.message).toContain('this is a directory, not a Docker config');
    expect(error.place).toMatchObject({ file: join(dir, 'config.json'), key: 'docker-config' });
  });

  it(
    'refuses a FIFO as config.json by name, without waiting on it',
    { timeout: 10_000 },
    async () => {
      const dir = configDir();
      execFileSync('mkfifo', [join(dir, 'config.json')]);
      const error = await usageError(credentialsFromDockerConfig(dir, 'r.example:5000', nodeExec));
      expect(error.message).toContain('named pipe');
      expect(error.place?.file).toBe(join(dir, 'config.json'));
    },
  );

  it('refuses a config.json far larger than any config by its size, before reading it', async () => {
    const dir = configDir();
    writeFileSync(join(dir, 'config.json'), '');
    truncateSync(join(dir, 'config.json'), 64 * 1024 * 1024);
    const error = await usageError(credentialsFromDockerConfig(dir, 'r.example:5000', nodeExec));
    expect(error.message).toContain('too large');
  });

  it('refuses a config.json that is JSON but not an object', async () => {
    const error = await usageError(
      credentialsFromDockerConfig(configDir('null'), 'r.example:5000', nodeExec),
    );
    expect(error.message).toContain('is not a JSON object');
  });

  it('refuses a credential helper that cannot run (exit 2), naming the file and the helper', async () => {
    const dir = configDir(JSON.stringify({ credHelpers: { 'r.example:5000': 'sluice-absent' } }));
    const error = await usageError(credentialsFromDockerConfig(dir, 'r.example:5000', nodeExec));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(join(dir, 'config.json'));
    expect(error.message).toContain('docker-credential-sluice-absent');
  });
});
