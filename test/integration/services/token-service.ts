import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from './binaries.js';

export interface TokenService {
  realm: string;
  service: string;
  issuer: string;
  certificateFile: string;
  /** Tokens issued so far (with the scopes asked for), for assertions. */
  issued: { scopes: string[]; user: string | undefined }[];
  /** Lifetime of the next tokens, seconds. */
  lifetimeSeconds: number;
  /**
   * When set, the next tokens' `exp` is now + this (may be negative) while `expires_in` still
   * says `lifetimeSeconds`: a token that expires before the client expects (clock skew).
   */
  expOffsetSeconds?: number;

  stop(): Promise<void>;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * A token service speaking the Docker token protocol: GET realm?service&scope with basic auth
 * → `{token, expires_in}`, a JWT signed RS256 whose x5c header carries the certificate the
 * registry trusts (its `rootcertbundle`).
 */
export async function startTokenService(user: {
  username: string;
  password: string;
}): Promise<TokenService> {
  requireBinary('openssl');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-token-'));
  const keyFile = join(dir, 'token.key');
  const certificateFile = join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certificateFile,
      '-days',
      '1',
      '-subj',
      '/CN=sluice-token',
    ],
    {
      stdio: 'ignore',
    },
  );
  const key = readFileSync(keyFile, 'utf8');
  const der = execFileSync('openssl', ['x509', '-in', certificateFile, '-outform', 'DER']);
  const port = await freePort();
  const service: TokenService = {
    realm: `http://127.0.0.1:${port}/token`,
    service: 'sluice-registry',
    issuer: 'sluice-token-issuer',
    certificateFile,
    issued: [],
    lifetimeSeconds: 300,
    // The registry reads the certificate while it runs: the folder goes when the service stops.
    stop: () =>
      new Promise((resolve) =>
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', service.realm);
    const authorization = request.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    if (authorization !== expected) {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"details":"bad credentials"}');
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' '));
    service.issued.push({ scopes, user: user.username });
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((scope) => {
      const [type, ...rest] = scope.split(':');
      const actions = rest.pop() ?? '';
      return { type, name: rest.join(':'), actions: actions.split(',') };
    });
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = {
      iss: service.issuer,
      sub: user.username,
      aud: url.searchParams.get('service'),
      exp: now + (service.expOffsetSeconds ?? service.lifetimeSeconds),
      nbf: now - 900,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(key);
    const token = `${unsigned}.${base64url(signature)}`;
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        expires_in: service.lifetimeSeconds,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return service;
}
