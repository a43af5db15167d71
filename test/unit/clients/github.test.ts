import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubForge } from '../../../src/clients/github/forge.js';
import type { GitHubForgeOptions } from '../../../src/clients/github/forge.js';
import { fixedPart } from '../../../src/core/comment/compose.js';
import { postStickyReports } from '../../../src/core/comment/post.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import { memoryLogger } from './logger.js';
import { assertGitHubRequest, recordRequests } from './openapi.js';

const origin = 'https://ghe.test';
const base = '/api/v3';
const token = 'ghs_SECRETtokenValue1234567890';
const comments = `${base}/repos/acme/models/issues/7/comments`;

const forge = (extra: Partial<GitHubForgeOptions> = {}) =>
  createGitHubForge({
    token,
    owner: 'acme',
    repo: 'models',
    issueNumber: 7,
    baseUrl: `${origin}${base}`,
    retryDelayUnitMs: 0,
    throttle: false,
    ...extra,
  });

const apiComment = (id: number, body: string) => ({
  id,
  body,
  html_url: `https://ghe.test/acme/models/pull/7#issuecomment-${id}`,
});

function expectDocumented(seen: ReturnType<typeof recordRequests>, operations: string[]): void {
  expect(seen.map((request) => assertGitHubRequest(request, base).operationId)).toEqual(operations);
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('GitHub forge', () => {
  it('lists every page of comments, oldest first', async () => {
    const scope = nock(origin)
      .get(comments)
      .query({ per_page: '100' })
      .reply(200, [apiComment(1, 'one'), apiComment(2, 'two')], {
        link: `<${origin}${comments}?per_page=100&page=2>; rel="next", <${origin}${comments}?per_page=100&page=2>; rel="last"`,
      })
      .get(comments)
      .query({ per_page: '100', page: '2' })
      .reply(200, [apiComment(3, 'three')]);
    const seen = recordRequests(scope);

    const listed = await (await forge()).listComments();

    expect(listed).toEqual([
      { id: '1', body: 'one', url: 'https://ghe.test/acme/models/pull/7#issuecomment-1' },
      { id: '2', body: 'two', url: 'https://ghe.test/acme/models/pull/7#issuecomment-2' },
      { id: '3', body: 'three', url: 'https://ghe.test/acme/models/pull/7#issuecomment-3' },
    ]);
    expect(scope.isDone()).toBe(true);
    expectDocumented(seen, ['issues/list-comments', 'issues/list-comments']);
  });

  it('creates, updates and deletes comments with documented requests', async () => {
    const scope = nock(origin)
      .post(comments, { body: 'hello' })
      .reply(201, apiComment(10, 'hello'))
      .patch(`${base}/repos/acme/models/issues/comments/10`, { body: 'hello again' })
      .reply(200, apiComment(10, 'hello again'))
      .delete(`${base}/repos/acme/models/issues/comments/10`)
      .reply(204);
    const seen = recordRequests(scope);
    const github = await forge();

    expect(await github.createComment('hello')).toMatchObject({ id: '10', body: 'hello' });
    expect(await github.updateComment('10', 'hello again')).toMatchObject({
      id: '10',
      body: 'hello again',
    });
    await github.deleteComment('10');

    expect(scope.isDone()).toBe(true);
    expectDocumented(seen, [
      'issues/create-comment',
      'issues/update-comment',
      'issues/delete-comment',
    ]);
  });

  it('treats deleting a comment that is already gone as done', async () => {
    const scope = nock(origin)
      .delete(`${base}/repos/acme/models/issues/comments/11`)
      .reply(404, { message: 'Not Found' });
    await expect((await forge()).deleteComment('11')).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('says which permission is missing on 403, without the token', async () => {
    nock(origin)
      .post(comments)
      .reply(
        403,
        { message: 'Resource not accessible by integration' },
        { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' },
      );
    const error = await (await forge()).createComment('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    const text = `${(error as UsageError).message}\n${(error as UsageError).hint}`;
    expect(text).toContain('Resource not accessible by integration');
    expect(text).toContain('pull-requests: write');
    expect(text).toContain('issues: write');
    expect(text).toContain('issues=write; pull_requests=write');
    expect(text).not.toContain(token);
    expect((error as UsageError).cause).toBeUndefined();
  });

  it('explains the read-only token of a fork pull request on 403', async () => {
    nock(origin).post(comments).reply(403, { message: 'Resource not accessible by integration' });
    const error = (await (
      await forge({ isFork: true })
    )
      .createComment('x')
      .catch((e: unknown) => e)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/fork.*read-only/);
    expect(error.hint).toMatch(/workflow_run/);
  });

  it('reports a rejected token (401) as a usage error', async () => {
    nock(origin).get(comments).query(true).reply(401, { message: 'Bad credentials' });
    const error = (await (await forge()).listComments().catch((e: unknown) => e)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/rejected the token \(401\).*Bad credentials/);
    expect(error.message + error.hint).not.toContain(token);
  });

  it('retries a 500 and then succeeds', async () => {
    const scope = nock(origin)
      .get(comments)
      .query(true)
      .reply(500, { message: 'boom' })
      .get(comments)
      .query(true)
      .reply(502, 'bad gateway')
      .get(comments)
      .query(true)
      .reply(200, [apiComment(1, 'one')]);
    expect(await (await forge()).listComments()).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('gives up on a lasting 5xx with an infrastructure error', async () => {
    const scope = nock(origin)
      .get(comments)
      .query(true)
      .times(3)
      .reply(503, { message: 'unavailable' });
    const error = (await (
      await forge({ retries: 2 })
    )
      .listComments()
      .catch((e: unknown) => e)) as InfraError;
    expect(error).toBeInstanceOf(InfraError);
    expect(error.message).toMatch(/503.*after 3 attempts: unavailable/);
    expect(scope.isDone()).toBe(true);
  });

  it('waits out a secondary rate limit through the throttling plugin', async () => {
    const logger = memoryLogger();
    const scope = nock(origin)
      .get(comments)
      .query(true)
      .reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' })
      .get(comments)
      .query(true)
      .reply(200, [apiComment(1, 'one')]);
    const listed = await (await forge({ throttle: true, logger })).listComments();
    expect(listed).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
    expect(logger.lines.join('\n')).toMatch(/secondary rate limit.*retrying in 1 s/);
  });

  it('posts a sticky report end to end: duplicates folded, only documented requests', async () => {
    const marker = '<!-- sluice:comment:sluice -->';
    const bot = { id: 41898282, login: 'github-actions[bot]' };
    const mine = (id: number, body: string) => ({ ...apiComment(id, body), user: bot });
    const graphql = nock(origin)
      .post('/api/graphql', (body: { query: string }) => body.query.includes('viewer'))
      .reply(200, { data: { viewer: { login: bot.login, databaseId: bot.id } } });
    const scope = nock(origin)
      .get(comments)
      .query(true)
      .reply(200, [apiComment(1, 'human'), mine(2, `${marker}\nold`), mine(3, `${marker}\ndup`)])
      .patch(`${base}/repos/acme/models/issues/comments/2`, (body: { body: string }) =>
        body.body.includes('gate report'),
      )
      .reply(200, mine(2, 'new'))
      .delete(`${base}/repos/acme/models/issues/comments/3`)
      .reply(204)
      .get(comments)
      .query(true)
      .reply(200, () => [apiComment(1, 'human'), mine(2, written)]);
    let written = '';
    scope.on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      if (body) written = (JSON.parse(body) as { body?: string }).body ?? written;
    });
    const seen = recordRequests(scope);
    const result = await postStickyReports(
      await forge(),
      'sluice',
      [fixedPart('quality-gate', 'gate report')],
      { sleep: () => Promise.resolve() },
    );
    expect(result).toMatchObject({ action: 'updated', removed: ['3'], comment: { id: '2' } });
    expect(graphql.isDone()).toBe(true);
    expect(scope.isDone()).toBe(true);
    expectDocumented(seen, [
      'issues/list-comments',
      'issues/update-comment',
      'issues/delete-comment',
      'issues/list-comments',
    ]);
  });

  it('loads Octokit lazily, so a step that does not comment never imports it', () => {
    const source = readFileSync(
      new URL('../../../src/clients/github/forge.ts', import.meta.url),
      'utf8',
    );
    const staticImports = source.match(/^import (?!type\b).*$/gm) ?? [];
    expect(staticImports.filter((line) => line.includes('@octokit'))).toEqual([]);
    expect(source).toContain("import('@octokit/rest')");
  });
});

describe('the OpenAPI check itself', () => {
  it('accepts documented requests', () => {
    expect(
      assertGitHubRequest({
        method: 'POST',
        path: '/repos/o/r/issues/1/comments',
        body: { body: 'x' },
      }),
    ).toEqual({
      operationId: 'issues/create-comment',
      template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    });
  });

  it.each([
    ['an unknown path', { method: 'GET', path: '/repos/o/r/issue/1/comments' }, /no path matching/],
    [
      'a wrong method',
      { method: 'PUT', path: '/repos/o/r/issues/comments/1', body: { body: 'x' } },
      /PUT is not an operation/,
    ],
    [
      'an unknown body key',
      { method: 'POST', path: '/repos/o/r/issues/1/comments', body: { text: 'x' } },
      /"text" is not in the schema/,
    ],
    [
      'a missing required key',
      { method: 'PATCH', path: '/repos/o/r/issues/comments/1', body: {} },
      /required body key "body"/,
    ],
    [
      'a wrong body type',
      { method: 'POST', path: '/repos/o/r/issues/1/comments', body: { body: 1 } },
      /must be string/,
    ],
    [
      'an unknown query parameter',
      { method: 'GET', path: '/repos/o/r/issues/1/comments?perpage=5' },
      /unknown query parameter perpage/,
    ],
    [
      'a non-integer id',
      { method: 'DELETE', path: '/repos/o/r/issues/comments/abc' },
      /must be an integer/,
    ],
    [
      'a body where none is taken',
      { method: 'DELETE', path: '/repos/o/r/issues/comments/1', body: { x: 1 } },
      /takes no request body/,
    ],
  ])('rejects %s', (_what, request, message) => {
    expect(() => assertGitHubRequest(request)).toThrow(message);
  });
});
