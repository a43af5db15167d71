import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Note {
  id: number;
  body: string;
  system: boolean;
  created_at: string;
  author: { id: number; username: string };
}

/** Whom an access token acts as here: a project access token's bot user. */
export const PROJECT_BOT = { id: 4242, username: 'project_7_bot_0123' };

/**
 * A stand-in for GitLab's merge request notes API (v4) on loopback. Like GitLab, it
 * refuses writes made with a CI job token.
 */
export async function startFakeGitLab() {
  const notes: Note[] = [];
  const requests: { method: string; path: string; auth: string }[] = [];
  let next = 1;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const auth = req.headers['private-token']
        ? 'private'
        : req.headers['job-token']
          ? 'job'
          : 'none';
      requests.push({ method: req.method ?? 'GET', path: url.pathname, auth });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as { body?: string }) : {};
      const list = /^\/api\/v4\/projects\/[^/]+\/merge_requests\/\d+\/notes$/.test(url.pathname);
      const one = url.pathname.match(
        /^\/api\/v4\/projects\/[^/]+\/merge_requests\/\d+\/notes\/(\d+)$/,
      );
      if (auth === 'none') return send(401, { message: '401 Unauthorized' });
      if (req.method !== 'GET' && auth === 'job') return send(403, { message: '403 Forbidden' });
      if (url.pathname === '/api/v4/user' && req.method === 'GET') {
        return auth === 'job' ? send(403, { message: '403 Forbidden' }) : send(200, PROJECT_BOT);
      }
      if (list && req.method === 'GET') return send(200, notes);
      if (list && req.method === 'POST') {
        const note = {
          id: next++,
          body: body.body ?? '',
          system: false,
          created_at: new Date().toISOString(),
          author: PROJECT_BOT,
        };
        notes.push(note);
        return send(201, note);
      }
      const found = one ? notes.find((n) => n.id === Number(one[1])) : undefined;
      if (found && req.method === 'PUT') {
        found.body = body.body ?? '';
        return send(200, found);
      }
      if (found && req.method === 'DELETE') {
        notes.splice(notes.indexOf(found), 1);
        res.writeHead(204).end();
        return;
      }
      send(404, { message: '404 Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/v4`,
    notes,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
