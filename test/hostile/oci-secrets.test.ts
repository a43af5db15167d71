/**
 * Registries that echo what they were sent in their error bodies: the password, the Basic
 * header (base64 of user:password), bearer and refresh tokens, identity tokens. None of it may
 * reach stderr or an error message, in any encoding.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryHttp } from '../../src/clients/oci/http.js';
import { InfraError } from '../../src/core/errors.js';
import { createMasker } from '../../src/platforms/masker.js';
import { runPushImage, scratchDir, startServer, type HostileServer } from './oci-support.js';

const USER = 'robot$ci';
const PASSWORD = 'p@ss w0rd/"ü+=tail-9f3k';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Every form of a secret that must not appear. */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    b64(secret),
    b64(secret).replace(/=+$/, ''),
  ];
}

function expectClean(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) for (const form of forms(secret)) expect(text).not.toContain(form);
}

/** An error body that repeats the request back in every way a careless server might. */
function echo(authorization: string, extra = ''): string {
  const token = authorization.replace(/^\w+ /, '');
  let decoded = '';
  try {
    decoded = Buffer.from(token, 'base64').toString('utf8');
  } catch {
    decoded = '';
  }
  return JSON.stringify({
    errors: [
      {
        code: 'DENIED',
        message: `bad Authorization header "${authorization}" (decoded ${decoded}, ${encodeURIComponent(decoded)}) ${extra}`,
      },
    ],
  });
}

const servers: HostileServer[] = [];
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  for (const dir of dirs.splice(0)) dir.remove();
});

describe('a registry echoing the Authorization header', () => {
  it('Basic auth: neither the password nor base64(user:password) reaches stderr', async () => {
    const server = await startServer((request, response) => {
      if (!request.headers.authorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        response.end();
        return;
      }
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(echo(request.headers.authorization, `password=${PASSWORD}`));
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `${server.host}/team/copy:1`,
      'registry-username': USER,
      'registry-password': PASSWORD,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.stderr).toContain('HTTP 400');
    // The server did receive the credentials: the echo is real.
    expect(
      server.seen.some((seen) => seen.authorization === `Basic ${b64(`${USER}:${PASSWORD}`)}`),
    ).toBe(true);
    expectClean(result.stderr, [PASSWORD, `${USER}:${PASSWORD}`]);
  });

  it('Bearer: the token and refresh token from the token service never reach stderr', async () => {
    const token = `tok-${'x'.repeat(8)}-${Date.now()}`;
    const refresh = `refresh-${Date.now()}-secret`;
    const server = await startServer((request, response, self) => {
      if (request.url?.startsWith('/token')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ token, refresh_token: refresh, expires_in: 300 }));
        return;
      }
      if (!request.headers.authorization?.startsWith('Bearer ')) {
        response.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${self.host}/token",service="hostile"`,
        });
        response.end();
        return;
      }
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(echo(request.headers.authorization, `refresh ${refresh}`));
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `${server.host}/team/copy:1`,
      'registry-username': USER,
      'registry-password': PASSWORD,
    });
    expect(result.exitCode).toBe(3);
    expect(server.seen.some((seen) => seen.authorization === `Bearer ${token}`)).toBe(true);
    expectClean(result.stderr, [PASSWORD, `${USER}:${PASSWORD}`, token, refresh]);
  });

  it('an identity token from the Docker config, echoed from the refresh form, is masked', async () => {
    const identity = `identity-token-${Date.now()}-value`;
    const access = `access-${Date.now()}-token`;
    const server = await startServer((request, response, self) => {
      if (request.url?.startsWith('/token')) {
        // The token service itself complains, quoting the form it was sent.
        if (request.method === 'POST' && request.bodyText.includes('refresh_token')) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ access_token: access, expires_in: 300 }));
          return;
        }
        response.writeHead(400);
        response.end(`unexpected form ${request.bodyText}`);
        return;
      }
      if (!request.headers.authorization) {
        response.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${self.host}/token",service="hostile"`,
        });
        response.end();
        return;
      }
      response.writeHead(400);
      response.end(`no: ${request.headers.authorization}; you sent refresh_token=${identity}`);
    });
    servers.push(server);
    const config = scratchDir('sluice-hostile-docker-');
    dirs.push(config);
    writeFileSync(
      join(config.path, 'config.json'),
      JSON.stringify({ auths: { [server.host]: { identitytoken: identity } } }),
    );
    const out = scratchDir('sluice-hostile-out-');
    dirs.push(out);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${out.path}:v1`,
      'docker-config': config.path,
    });
    expect(result.exitCode).toBe(3);
    expect(server.seen.some((seen) => seen.body.includes(encodeURIComponent(identity)))).toBe(true);
    expectClean(result.stderr, [identity, access]);
  });

  it('a retried 5xx that echoes credentials is masked in the final error message itself', async () => {
    const server = await startServer((request, response) => {
      if (!request.headers.authorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        response.end();
        return;
      }
      response.writeHead(503);
      response.end(echo(request.headers.authorization, PASSWORD));
    });
    servers.push(server);
    const masker = createMasker();
    const http = new RegistryHttp({
      registry: server.host,
      credentials: { username: USER, password: PASSWORD },
      masker,
      sleep: async () => undefined,
      maxAttempts: 2,
    });
    const error = await http
      .send({ method: 'GET', url: '/v2/team/model/manifests/1', scopes: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InfraError);
    const message = (error as Error).message;
    expect(message).toContain('HTTP 503');
    expect(message.length).toBeLessThan(600);
    expectClean(message, [PASSWORD, `${USER}:${PASSWORD}`]);
    // The run's masker learnt the exact Basic value as sent.
    expect(masker.mask(`Basic ${b64(`${USER}:${PASSWORD}`)}`)).toBe('Basic ***');
  });
});

describe('the masker', () => {
  it('masks a password inside any base64 text, whatever its offset', () => {
    const masker = createMasker();
    masker.add(PASSWORD);
    for (const before of ['', 'a', 'ab', 'abc', 'user:']) {
      const encoded = b64(`${before}${PASSWORD}!`);
      const masked = masker.mask(encoded);
      expect(masked).toContain('***');
      // What is left cannot be decoded back to the password.
      expect(Buffer.from(masked.replace(/\*+/g, ''), 'base64').toString('utf8')).not.toContain(
        PASSWORD,
      );
    }
  });
});
