import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitLabForge } from '../../../src/clients/gitlab/forge.js';
import type { GitLabForgeOptions } from '../../../src/clients/gitlab/forge.js';
import { retryAfterMs } from '../../../src/clients/gitlab/http.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import { memoryLogger } from './logger.js';

const origin = 'https://gitlab.test';
const notes = '/api/v4/projects/group%2Fmodels/merge_requests/5/notes';
const token = 'glpat-SECRETtokenValue123456';

function setup(extra: Partial<GitLabForgeOptions> = {}) {
  const sleeps: number[] = [];
  const forge = createGitLabForge({
    apiUrl: `${origin}/api/v4/`,
    projectId: 'group/models',
    mergeRequestIid: 5,
    token,
    projectUrl: 'https://gitlab.test/group/models',
    ...extra,
    retry: {
      sleep: async (ms) => void sleeps.push(ms),
      now: () => Date.parse('2026-11-01T00:00:00Z'),
      ...extra.retry,
    },
  });
  return { forge, sleeps };
}

const note = (id: number, body: string, system = false) => ({
  id,
  body,
  system,
  author: { username: 'bot' },
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('GitLab forge', () => {
  it('lists every page of notes oldest first, without system notes, with PRIVATE-TOKEN', async () => {
    const scope = nock(origin, {
      reqheaders: { 'private-token': token },
      badheaders: ['job-token'],
    })
      .get(notes)
      .query({ sort: 'asc', order_by: 'created_at', per_page: '100' })
      .reply(200, [note(1, 'one'), note(2, 'added 1 commit', true)], { 'x-next-page': '2' })
      .get(notes)
      .query({ sort: 'asc', order_by: 'created_at', per_page: '100', page: '2' })
      .reply(200, [note(3, 'three')], { 'x-next-page': '' });

    const listed = await setup().forge.listComments();

    expect(listed).toEqual([
      {
        id: '1',
        body: 'one',
        url: 'https://gitlab.test/group/models/-/merge_requests/5#note_1',
        author: { login: 'bot' },
      },
      {
        id: '3',
        body: 'three',
        url: 'https://gitlab.test/group/models/-/merge_requests/5#note_3',
        author: { login: 'bot' },
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('follows a Link header when x-next-page is absent, but never to another server', async () => {
    const scope = nock(origin)
      .get(notes)
      .query(true)
      .reply(200, [note(1, 'one')], {
        link: `<${origin}${notes}?page=2&per_page=100&sort=asc>; rel="next"`,
      })
      .get(notes)
      .query({ page: '2', per_page: '100', sort: 'asc' })
      .reply(200, [note(2, 'two')], { link: '<https://elsewhere.test/steal?page=3>; rel="next"' });
    const listed = await setup().forge.listComments();
    expect(listed.map((c) => c.id)).toEqual(['1', '2']);
    expect(scope.isDone()).toBe(true);
  });

  it('creates, updates and deletes notes', async () => {
    const scope = nock(origin)
      .post(notes, { body: 'hello' })
      .matchHeader('content-type', 'application/json')
      .reply(201, note(10, 'hello'))
      .put(`${notes}/10`, { body: 'again' })
      .reply(200, note(10, 'again'))
      .delete(`${notes}/10`)
      .reply(204)
      .delete(`${notes}/11`)
      .reply(404, { message: '404 Not found' });
    const { forge } = setup();
    expect(await forge.createComment('hello')).toMatchObject({ id: '10', body: 'hello' });
    expect(await forge.updateComment('10', 'again')).toMatchObject({ id: '10', body: 'again' });
    await forge.deleteComment('10');
    await forge.deleteComment('11'); // already gone: fine
    expect(scope.isDone()).toBe(true);
    expect(forge.maxCommentLength).toBe(1_000_000);
  });

  it('says CI_JOB_TOKEN cannot write notes and what to set instead', async () => {
    const scope = nock(origin, {
      reqheaders: { 'job-token': token },
      badheaders: ['private-token'],
    })
      .get(notes)
      .query(true)
      .reply(401, { message: '401 Unauthorized' });
    const error = (await setup({ tokenKind: 'job' })
      .forge.listComments()
      .catch((e: unknown) => e)) as UsageError;
    expect(scope.isDone()).toBe(true);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^CI_JOB_TOKEN cannot write merge request notes/);
    expect(error.hint).toMatch(
      /project access token with the `api` scope.*masked CI\/CD variable.*SLUICE_GITLAB_TOKEN/,
    );
    expect(`${error.message}${error.hint}`).not.toContain(token);
  });

  it('names the missing scope when an access token is refused', async () => {
    nock(origin).post(notes).reply(403, { message: '403 Forbidden' });
    const error = (await setup()
      .forge.createComment('x')
      .catch((e: unknown) => e)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(
      /may not create a merge request note on merge request !5 \(403: 403 Forbidden\)/,
    );
    expect(error.hint).toMatch(/`api` scope/);
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    const logger = memoryLogger();
    const scope = nock(origin)
      .post(notes)
      .reply(429, { message: 'Retry later' }, { 'retry-after': '7' })
      .post(notes)
      .reply(201, note(4, 'x'));
    const { forge, sleeps } = setup({ logger });
    expect(await forge.createComment('x')).toMatchObject({ id: '4' });
    expect(sleeps).toEqual([7000]);
    expect(scope.isDone()).toBe(true);
    expect(logger.lines.join('\n')).toMatch(/429.*retrying in 7 s/);
  });

  it('backs off exponentially on 5xx without Retry-After', async () => {
    const scope = nock(origin)
      .get(notes)
      .query(true)
      .reply(502, 'bad gateway')
      .get(notes)
      .query(true)
      .reply(503, 'unavailable')
      .get(notes)
      .query(true)
      .reply(200, []);
    const { forge, sleeps } = setup();
    expect(await forge.listComments()).toEqual([]);
    expect(sleeps).toEqual([1000, 2000]);
    expect(scope.isDone()).toBe(true);
  });

  it('gives up after the bounded retries with an infrastructure error', async () => {
    const scope = nock(origin).get(notes).query(true).times(3).reply(500, { message: 'boom' });
    const { forge, sleeps } = setup({ retry: { retries: 2 } });
    const error = (await forge.listComments().catch((e: unknown) => e)) as InfraError;
    expect(error).toBeInstanceOf(InfraError);
    expect(error.message).toMatch(/500.*after 3 attempts: boom/);
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('fails at once when Retry-After asks for longer than it will wait', async () => {
    const scope = nock(origin)
      .post(notes)
      .reply(429, { message: 'slow down' }, { 'retry-after': '3600' });
    const { forge, sleeps } = setup();
    const error = (await forge.createComment('x').catch((e: unknown) => e)) as InfraError;
    expect(error).toBeInstanceOf(InfraError);
    expect(error.message).toMatch(/429.*after 1 attempt: slow down/);
    expect(sleeps).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('retries network failures, then reports them as infrastructure', async () => {
    nock(origin).get(notes).query(true).times(2).replyWithError('connection reset');
    const { forge, sleeps } = setup({ retry: { retries: 1 } });
    const error = (await forge.listComments().catch((e: unknown) => e)) as InfraError;
    expect(error).toBeInstanceOf(InfraError);
    expect(error.message).toMatch(/could not reach GitLab.*after 2 attempts/);
    expect(sleeps).toEqual([1000]);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Sun, 01 Nov 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
