import { describe, expect, it } from 'vitest';
import { createGitLabForge } from '../../../src/clients/gitlab/forge.js';
import { commentMarker } from '../../../src/core/comment/markers.js';
import { upsertStickyComment } from '../../../src/core/comment/sticky.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';

function forge(
  routes: Record<string, (init?: RequestInit) => Response>,
  tokenKind: 'access' | 'job' = 'access',
) {
  const seen: string[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${new URL(String(url)).pathname}`;
    seen.push(key);
    const route = routes[key];
    return route ? route(init) : new Response('{"message":"404 Not found"}', { status: 404 });
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

  it('when GET /user answers 403 or 404, learns the identity from the note it creates', async () => {
    for (const status of [403, 404]) {
      const notes: { id: number; body: string; author: { id: number; username: string } }[] = [
        {
          id: 1,
          body: `${commentMarker('k')}\nold`,
          author: { id: 9, username: 'project_42_bot' },
        },
      ];
      const path = '/api/v4/projects/42/merge_requests/5/notes';
      const { forge: f } = forge({
        'GET /api/v4/user': () => json({ message: `${status} Forbidden` }, status),
        [`GET ${path}`]: () => json(notes),
        [`POST ${path}`]: (init) => {
          const { body } = JSON.parse(String(init?.body)) as { body: string };
          const note = { id: 2, body, author: { id: 9, username: 'project_42_bot' } };
          notes.push(note);
          return json(note, 201);
        },
        [`PUT ${path}/1`]: (init) => {
          notes[0]!.body = (JSON.parse(String(init?.body)) as { body: string }).body;
          return json(notes[0]);
        },
        [`DELETE ${path}/2`]: () => {
          notes.splice(1, 1);
          return new Response(null, { status: 204 });
        },
      });
      const result = await upsertStickyComment(f, 'k', 'new', { settleMs: 0 });
      // The older note of the same bot is the sticky one; the note created to learn the
      // identity is folded into it.
      expect(result.comment.id).toBe('1');
      expect(notes.map((n) => n.id)).toEqual([1]);
      expect(notes[0]!.body).toBe(`${commentMarker('k')}\nnew`);
    }
  });

  it('names GET /user, not the merge request, when finding the identity fails', async () => {
    const { forge: f } = forge({
      'GET /api/v4/user': () => json({ message: 'boom' }, 500),
    });
    const error = (await f.currentUser().catch((e: unknown) => e)) as InfraError;
    expect(error).toBeInstanceOf(InfraError);
    expect(error.message).toBe(
      'GitLab at gitlab.test answered 500 when trying to find whom the token acts as via GET /user, after 1 attempt: boom',
    );
  });

  it('with CI_JOB_TOKEN, says the job token cannot write notes', async () => {
    const { forge: f } = forge({ 'GET /api/v4/user': () => json({ message: '403' }, 403) }, 'job');
    const error = await f.currentUser().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/CI_JOB_TOKEN cannot write merge request notes/);
  });
});
