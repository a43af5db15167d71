import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../../src/clients/oci/auth.js';
import { credentialsFromDockerConfig } from '../../../src/clients/oci/docker-config.js';
import { RegistryHttp, type Fetch } from '../../../src/clients/oci/http.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { Exec } from '../../../src/core/ports.js';
import { tempDir } from '../support/temp-dirs.js';

interface Seen {
  url: string;
  method: string;
  authorization: string | undefined;
}

/** A fake registry + token service: answers by URL, records what it was sent. */
function fakeFetch(
  answer: (url: URL, init: RequestInit, seen: Seen[]) => Response | Promise<Response>,
): { fetch: Fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const headers = new Headers(init.headers);
    seen.push({
      url: url.toString(),
      method: init.method ?? 'GET',
      authorization: headers.get('authorization') ?? undefined,
    });
    return answer(url, init, seen);
  }) as Fetch;
  return { fetch: fetchImpl, seen };
}

const challenge =
  'Bearer realm="https://auth.example.invalid/token",service="reg",scope="repository:team/model:pull"';

describe('parseChallenge', () => {
  it('reads the scheme and quoted parameters, commas inside quotes included', () => {
    expect(
      parseChallenge('Bearer realm="https://a/t",service="r",scope="repository:x:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://a/t', service: 'r', scope: 'repository:x:pull,push' },
    });
    expect(parseChallenge('Basic realm="registry"')?.scheme).toBe('basic');
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('RegistryHttp', () => {
  it('uses plain HTTP only for loopback or listed insecure registries', () => {
    expect(new RegistryHttp({ registry: '127.0.0.1:5000' }).base).toBe('http://127.0.0.1:5000');
    expect(new RegistryHttp({ registry: 'reg.example.invalid' }).base).toBe(
      'https://reg.example.invalid',
    );
    expect(new RegistryHttp({ registry: 'reg.example.invalid:5000', insecure: true }).base).toBe(
      'http://reg.example.invalid:5000',
    );
  });

  it('answers a bearer challenge with a token for the request scope, then reuses the cached token', async () => {
    const { fetch, seen } = fakeFetch((url, init) => {
      if (url.host === 'auth.example.invalid') {
        expect(url.searchParams.get('service')).toBe('reg');
        expect(url.searchParams.getAll('scope')).toContain('repository:team/model:pull,push');
        return Response.json({ token: 'tok-1', expires_in: 300 });
      }
      const auth = new Headers(init.headers).get('authorization');
      return auth === 'Bearer tok-1'
        ? new Response(null, { status: 200 })
        : new Response(null, { status: 401, headers: { 'www-authenticate': challenge } });
    });
    const http = new RegistryHttp({
      registry: 'reg.example.invalid',
      credentials: { username: 'u', password: 'p' },
      fetch,
    });
    const scopes = ['repository:team/model:pull,push'];
    expect(
      (await http.send({ method: 'HEAD', url: '/v2/team/model/blobs/sha256:x', scopes })).status,
    ).toBe(200);
    expect(
      (await http.send({ method: 'HEAD', url: '/v2/team/model/blobs/sha256:y', scopes })).status,
    ).toBe(200);
    const tokenRequests = seen.filter((request) => request.url.startsWith('https://auth.'));
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(seen.at(-1)!.authorization).toBe('Bearer tok-1');
  });

  it('retries 5xx and network errors with backoff, then fails with an InfraError that names the registry', async () => {
    let calls = 0;
    const { fetch } = fakeFetch(() => {
      calls += 1;
      if (calls === 1)
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      if (calls === 2)
        return new Response('{"errors":[{"code":"UNKNOWN","message":"boom"}]}', { status: 503 });
      return new Response(null, { status: 202 });
    });
    const sleeps: number[] = [];
    const http = new RegistryHttp({
      registry: '127.0.0.1:5000',
      fetch,
      sleep: async (ms) => void sleeps.push(ms),
      baseDelayMs: 100,
    });
    expect(
      (await http.send({ method: 'POST', url: '/v2/a/blobs/uploads/', scopes: [] })).status,
    ).toBe(202);
    expect(sleeps).toEqual([100, 200]);

    const down = fakeFetch(() => new Response(null, { status: 500 }));
    const failing = new RegistryHttp({
      registry: '127.0.0.1:5000',
      fetch: down.fetch,
      sleep: async () => undefined,
      maxAttempts: 3,
    });
    const error = await failing
      .send({ method: 'GET', url: '/v2/a/manifests/v1?_state=secret', scopes: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toBe(
      'GET 127.0.0.1:5000/v2/a/manifests/v1 failed after 3 attempts: HTTP 500',
    );
  });

  it('refuses with a UsageError that never contains the password', async () => {
    const { fetch } = fakeFetch(
      () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }),
    );
    const http = new RegistryHttp({
      registry: '127.0.0.1:5000',
      credentials: { username: 'u', password: 'hunter2' },
      fetch,
    });
    const error = await http
      .send({ method: 'GET', url: '/v2/', scopes: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect(`${(error as Error).message} ${(error as UsageError).hint}`).not.toContain('hunter2');
  });
});

describe('RegistryHttp and other origins', () => {
  it('sends the Authorization header only to the registry itself, not to an upload Location elsewhere', async () => {
    const { fetch, seen } = fakeFetch((url, init) => {
      const auth = new Headers(init.headers).get('authorization');
      if (url.host === 'reg.example.invalid' && !auth)
        return new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="r"' },
        });
      return new Response(null, { status: 202 });
    });
    const http = new RegistryHttp({
      registry: 'reg.example.invalid',
      credentials: { username: 'u', password: 'secret-pw' },
      fetch,
    });
    await http.send({ method: 'GET', url: '/v2/', scopes: [] });
    await http.send({
      method: 'PATCH',
      url: 'https://storage.example.invalid/upload?x=1',
      scopes: [],
    });
    expect(seen.at(-1)).toMatchObject({
      url: 'https://storage.example.invalid/upload?x=1',
      authorization: undefined,
    });
  });

  it('refuses a plain-HTTP token realm for an HTTPS registry: the password would travel in clear', async () => {
    const { fetch, seen } = fakeFetch(
      () =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="http://auth.example.invalid/token"' },
        }),
    );
    const http = new RegistryHttp({
      registry: 'reg.example.invalid',
      credentials: { username: 'u', password: 'secret-pw' },
      fetch,
    });
    const error = await http
      .send({ method: 'GET', url: '/v2/', scopes: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toMatch(/plain HTTP/);
    expect(seen.every((request) => !request.url.startsWith('http://auth.'))).toBe(true);
  });
});

describe('credentialsFromDockerConfig', () => {
  const exec = (answers: Record<string, string>): Exec => ({
    run: async (command, _args, options) => {
      const secret = answers[`${command} ${options?.input ?? ''}`];
      return secret
        ? { exitCode: 0, stdout: secret, stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'not found' };
    },
  });

  it('reads auths (base64 user:password, URL keys), then credential helpers, then the store', async () => {
    const dir = tempDir('sluice-docker-config-');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://reg.example.invalid/v1/': { auth: Buffer.from('me:pa:ss').toString('base64') },
          'tok.example.invalid': { identitytoken: 'refresh' },
        },
        credHelpers: { 'helped.example.invalid': 'fake' },
        credsStore: 'store',
      }),
    );
    const helpers = exec({
      'docker-credential-fake helped.example.invalid': '{"Username":"bot","Secret":"s3cret"}',
      'docker-credential-store other.example.invalid': '{"Username":"<token>","Secret":"tkn"}',
    });
    expect(await credentialsFromDockerConfig(dir, 'reg.example.invalid', helpers)).toEqual({
      username: 'me',
      password: 'pa:ss',
    });
    expect(await credentialsFromDockerConfig(dir, 'tok.example.invalid', helpers)).toEqual({
      identityToken: 'refresh',
    });
    expect(await credentialsFromDockerConfig(dir, 'helped.example.invalid', helpers)).toEqual({
      username: 'bot',
      password: 's3cret',
    });
    expect(await credentialsFromDockerConfig(dir, 'other.example.invalid', helpers)).toEqual({
      identityToken: 'tkn',
    });
    expect(await credentialsFromDockerConfig(dir, 'none.example.invalid', helpers)).toBeUndefined();
    expect(
      await credentialsFromDockerConfig(join(dir, 'missing'), 'reg.example.invalid', helpers),
    ).toBeUndefined();
  });
});
