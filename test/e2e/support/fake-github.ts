import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertGitHubRequest, type RecordedRequest } from '../../unit/clients/openapi.js';

interface StoredComment {
  id: number;
  body: string;
  html_url: string;
  created_at: string;
  user: { id: number; login: string; type: string };
}

/** Whom every token acts as here: the Actions bot, as for a workflow's GITHUB_TOKEN. */
export const ACTIONS_BOT = { id: 41898282, login: 'github-actions[bot]', type: 'Bot' };

/**
 * A stand-in for GitHub's issue-comments API on loopback, for running the real action
 * bundle in a subprocess. Every request is checked against GitHub's OpenAPI description.
 */
export async function startFakeGitHub(): Promise<{
  url: string;
  comments: StoredComment[];
  requests: RecordedRequest[];
  /** Deployments made (POST …/deployments) and the states posted to each. */
  deployments: { id: number; environment: string; states: string[] }[];
  /** Requests GitHub's OpenAPI description does not allow. */
  violations: string[];
  close: () => Promise<void>;
}> {
  const comments: StoredComment[] = [];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const deployments: { id: number; environment: string; states: string[] }[] = [];
  let next = 1000;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as { body?: string }) : undefined;
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        body: body ?? undefined,
      };
      requests.push(request);
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      // GraphQL is not in the REST description: only the identity query is answered.
      if (req.url === '/graphql' && req.method === 'POST') {
        const query = (body as { query?: string } | undefined)?.query ?? '';
        if (/viewer\s*\{\s*login\s+databaseId\s*\}/.test(query))
          return send(200, {
            data: { viewer: { login: ACTIONS_BOT.login, databaseId: ACTIONS_BOT.id } },
          });
        return send(400, { message: `unexpected GraphQL query: ${query}` });
      }
      try {
        assertGitHubRequest(request);
      } catch (error) {
        violations.push(String(error));
        res
          .writeHead(422, { 'content-type': 'application/json' })
          .end('{"message":"not in the OpenAPI description"}');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      const list = url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/);
      const one = url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/);
      if (list && req.method === 'GET') return send(200, comments);
      if (/^\/repos\/[^/]+\/[^/]+\/deployments$/.test(url.pathname) && req.method === 'POST') {
        const { environment = 'production' } = (body ?? {}) as { environment?: string };
        const deployment = { id: next++, environment, states: [] };
        deployments.push(deployment);
        return send(201, {
          id: deployment.id,
          environment,
          url: `${req.url ?? ''}/${deployment.id}`,
        });
      }
      const statuses = url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/);
      const deployment = statuses
        ? deployments.find((d) => d.id === Number(statuses[1]))
        : undefined;
      if (deployment && req.method === 'POST') {
        const { state = '' } = (body ?? {}) as { state?: string };
        deployment.states.push(state);
        return send(201, { id: next++, state });
      }
      if (list && req.method === 'POST') {
        const comment = {
          id: next++,
          body: body?.body ?? '',
          html_url: `https://github.test/c/${next}`,
          created_at: new Date().toISOString(),
          user: ACTIONS_BOT,
        };
        comments.push(comment);
        return send(201, comment);
      }
      const found = one ? comments.find((c) => c.id === Number(one[1])) : undefined;
      if (one && req.method === 'PATCH' && found) {
        found.body = body?.body ?? '';
        return send(200, found);
      }
      if (one && req.method === 'DELETE' && found) {
        comments.splice(comments.indexOf(found), 1);
        res.writeHead(204).end();
        return;
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    deployments,
    violations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
