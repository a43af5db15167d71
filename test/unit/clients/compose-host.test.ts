import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeHost } from '../../../src/clients/docker/compose-host.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { Exec } from '../../../src/core/ports.js';
import type { ComposeDeployConfig } from '../../../src/core/rollout/model.js';
import { UnhealthyServiceError } from '../../../src/core/rollout/host.js';
import { tempDir } from '../support/temp-dirs.js';

const logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  group: <T>(_: string, f: () => Promise<T>) => f(),
};
const sleep = { sleep: async () => undefined };

/** A fake docker/compose: `ps` answers from `rows`, `up` of the canary adds its container. */
function fakeExec(options: {
  v1?: boolean;
  config: string;
  canaryState?: string;
  health?: string;
}) {
  const calls: string[] = [];
  let rows = ['models-model-1\tacme/model:v1\trunning\tUp 1 hour (healthy)\tmodel'];
  const exec: Exec = {
    run: async (command, args) => {
      calls.push([command, ...args].join(' '));
      const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '' });
      if (command === 'docker' && args[0] === 'compose' && args[1] === 'version')
        return options.v1 ? { exitCode: 1, stdout: '', stderr: 'not a docker command' } : ok();
      if (command === 'docker-compose' && args[0] === 'version') return ok('1.29.2');
      if (command === 'docker' && args[0] === 'ps') return ok(rows.join('\n'));
      if (command === 'docker' && args[0] === 'logs') return ok('boom: model file missing');
      if (command === 'docker' && args[0] === 'rm') {
        rows = rows.filter((r) => !args.includes(r.split('\t')[0]!));
        return ok();
      }
      if (args.includes('config')) return ok(options.config);
      if (args.includes('up')) {
        const service = args.at(-1)!;
        if (service === 'model-canary')
          rows.push(
            `models-model-canary-1\tacme/model:v2\t${options.canaryState ?? 'running'}\tUp 2 seconds${options.health ? ` (${options.health})` : ''}\tmodel-canary`,
          );
        return ok();
      }
      return { exitCode: 1, stdout: '', stderr: `unexpected ${command} ${args.join(' ')}` };
    },
  };
  return { exec, calls };
}

function host(dir: string, exec: Exec, extra: Partial<ComposeDeployConfig> = {}) {
  return new ComposeHost(
    {
      type: 'compose',
      files: [path.join(dir, 'compose.yml')],
      project: 'models',
      service: 'model',
      canaryService: 'model-canary',
      image: 'acme/model:v2',
      healthTimeoutMs: 5000,
      override: path.join(dir, 'compose.sluice.yml'),
      ...extra,
    },
    {
      exec,
      logger,
      sleep,
      now: (() => {
        let t = 0;
        return () => (t += 1000);
      })(),
    },
  );
}

const V2_CONFIG = JSON.stringify({
  name: 'models',
  services: {
    model: {
      image: 'acme/model:v1',
      container_name: 'model',
      build: { context: '.' },
      command: ['serve', '--port', '$$PORT'],
      environment: { PORT: '8080', MODE: 'prod' },
      ports: [{ target: 8080, published: '8081' }],
      healthcheck: { test: ['CMD', 'true'] },
    },
  },
});

describe('the compose host', () => {
  it('writes the canary as a copy of the stable service (its image, ports, environment; no container_name or build) and starts it with --no-deps', async () => {
    const dir = tempDir('sluice-compose-unit-');
    const { exec, calls } = fakeExec({ config: V2_CONFIG, health: 'healthy' });
    await host(dir, exec, {
      canaryPorts: ['127.0.0.1:8082:8080'],
      canaryEnvironment: { PORT: '8082', TOKEN: 'a$b' },
    }).startCanary();
    const override = readFileSync(path.join(dir, 'compose.sluice.yml'), 'utf8');
    expect(override).toMatch(/^# Written by `sluice rollout`/);
    expect(override).toContain('image: acme/model:v2');
    expect(override).toContain('127.0.0.1:8082:8080');
    expect(override).toContain('TOKEN: a$$b');
    expect(override).toContain('MODE: prod');
    expect(override).toContain('$$PORT');
    expect(override).not.toMatch(/container_name|build:|8081/);
    expect(calls).toContain(
      `docker compose -p models -f ${dir}/compose.yml config --no-interpolate --format json`,
    );
    expect(calls).toContain(
      `docker compose -p models -f ${dir}/compose.yml -f ${dir}/compose.sluice.yml up --detach --no-deps --no-build model-canary`,
    );
  });

  it('refuses a canary that would publish the stable service’s ports again, and a service name taken', async () => {
    const dir = tempDir('sluice-compose-unit-');
    await expect(host(dir, fakeExec({ config: V2_CONFIG }).exec).startCanary()).rejects.toThrow(
      /publishes ports/,
    );
    const taken = JSON.stringify({ services: { model: {}, 'model-canary': {} } });
    await expect(host(dir, fakeExec({ config: taken }).exec).startCanary()).rejects.toThrow(
      UsageError,
    );
  });

  it('an exited canary is unhealthy with its last log lines; no healthcheck and no URL is exit 2; a slow one hits the deadline', async () => {
    const config = JSON.stringify({ services: { model: { image: 'acme/model:v1' } } });
    const dir = tempDir('sluice-compose-unit-');
    const exited = host(dir, fakeExec({ config, canaryState: 'exited' }).exec).startCanary();
    await expect(exited).rejects.toThrow(UnhealthyServiceError);
    await expect(exited).rejects.toThrow(/models-model-canary-1 exited; its last log lines:\nboom/);
    await expect(host(dir, fakeExec({ config }).exec).startCanary()).rejects.toThrow(UsageError);
    const starting = host(dir, fakeExec({ config, health: 'health: starting' }).exec).startCanary();
    await expect(starting).rejects.toThrow(
      /not healthy within 5 s \(models-model-canary-1 running \(starting\)\)/,
    );
  });

  it('with compose v1, uses docker-compose and keeps the file version in the override', async () => {
    const dir = tempDir('sluice-compose-unit-');
    const config = "services:\n  model:\n    image: acme/model:v1\nversion: '3.9'\n";
    const { exec, calls } = fakeExec({ v1: true, config, health: 'healthy' });
    await host(dir, exec).startCanary();
    expect(calls).toContain(
      `docker-compose -p models -f ${dir}/compose.yml config --no-interpolate`,
    );
    expect(readFileSync(path.join(dir, 'compose.sluice.yml'), 'utf8')).toMatch(/version: "?'?3.9/);
  });

  it('removes the canary by its containers and drops it from the override; promotion pins the stable image', async () => {
    const dir = tempDir('sluice-compose-unit-');
    const { exec, calls } = fakeExec({
      config: JSON.stringify({ services: { model: { image: 'acme/model:v1' } } }),
      health: 'healthy',
    });
    const h = host(dir, exec);
    await h.startCanary();
    await h.updateStable();
    await h.removeCanary();
    expect(calls).toContain('docker rm --force --volumes models-model-canary-1');
    const override = readFileSync(path.join(dir, 'compose.sluice.yml'), 'utf8');
    expect(override).toMatch(/model:\n\s+image: acme\/model:v2/);
    expect(override).not.toContain('model-canary');
    expect((await h.containers()).map((c) => c.service)).toEqual(['model']);
  });

  it('a removal with nothing pinned leaves no override file; a failing docker call is exit 3 naming the project', async () => {
    const dir = tempDir('sluice-compose-unit-');
    writeFileSync(
      path.join(dir, 'compose.sluice.yml'),
      'services:\n  model-canary: { image: x }\n',
    );
    const { exec } = fakeExec({ config: '{}' });
    await host(dir, exec).removeCanary();
    expect(existsSync(path.join(dir, 'compose.sluice.yml'))).toBe(false);
    const broken: Exec = {
      run: async () => ({ exitCode: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon' }),
    };
    const error = await host(dir, broken)
      .containers()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).message).toMatch(/docker ps on compose project models failed/);
    expect((error as InfraError).hint).toMatch(/start the Docker engine/);
  });
});
