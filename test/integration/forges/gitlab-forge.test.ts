import { describe, expect, it } from 'vitest';
import { createGitLabForge } from '../../../src/clients/gitlab/forge.js';
import { UsageError } from '../../../src/core/errors.js';

function forge(routes: Record<string, () => Response>, tokenKind: 'access' | 'job' = 'access') {
  const seen: string[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${new URL(String(url)).pathname}`;
    seen.push(key);
    const route = routes[key];
    return route ? route() : new Response('{"message":"404 Not found"}', { status: 404 });
  }) as typeof fetch;
  return {
    seen,
    forge: createGitLabForge({
      apiUrl: 'https://gitlab.test/api/v4',
      projectId: 42,
      mergeRequestIid: 5,
      token: 'glpat-SECRET',
      tokenKind,
      fetch: fetchImpl,
      retry: { retries: 0, sleep: () => Promise.resolve() },
    }),
  };
}
const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

describe('GitLab identity and note authors', () => {
  it('asks GET /user once for whom the token acts as', async () => {
    const { forge: f, seen } = forge({
      'GET /api/v4/user': () => json({ id: 4242, username: 'project_42_bot_abc' }),
    });
    expect(await f.currentUser()).toEqual({ id: '4242', login: 'project_42_bot_abc' });
    expect(seen).toEqual(['GET /api/v4/user']);
  });

  it('gives each note its author', async () => {
    const { forge: f } = forge({
      'GET /api/v4/projects/42/merge_requests/5/notes': () =>
        json([
          { id: 1, body: 'a', author: { id: 7, username: 'mallory' } },
          { id: 2, body: 'b', author: { id: 4242, username: 'project_42_bot_abc' } },
        ]),
    });
    expect((await f.listComments()).map((c) => c.author)).toEqual([
      { id: '7', login: 'mallory' },
      { id: '4242', login: 'project_42_bot_abc' },
    ]);
  });

  it('with CI_JOB_TOKEN, says the job token cannot write notes', async () => {
    const { forge: f } = forge({ 'GET /api/v4/user': () => json({ message: '403' }, 403) }, 'job');
    const error = await f.currentUser().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/CI_JOB_TOKEN cannot write merge request notes/);
  });
});
