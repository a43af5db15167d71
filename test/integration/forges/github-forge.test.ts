import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toGitHubError } from '../../../src/clients/github/errors.js';
import { createGitHubForge } from '../../../src/clients/github/forge.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';

const origin = 'https://ghe.test';
const base = '/api/v3';
const token = 'ghp_SECRETtokenValue1234567890';
const comments = `${base}/repos/acme/models/issues/7/comments`;

const forge = () =>
  createGitHubForge({
    token,
    owner: 'acme',
    repo: 'models',
    issueNumber: 7,
    baseUrl: `${origin}${base}`,
    retryDelayUnitMs: 0,
    throttle: false,
  });

const call = {
  action: 'create a comment',
  owner: 'acme',
  repo: 'models',
  issueNumber: 7,
  isFork: false,
  attempts: 4,
  token,
};
const failure = (status: number, data: unknown) =>
  Object.assign(new Error('HttpError'), { status, response: { headers: {}, data } });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('whom the GitHub token acts as', () => {
  it('asks GraphQL viewer once (works for PATs and installation tokens alike)', async () => {
    const scope = nock(origin)
      .post('/api/graphql', (body: { query: string }) => /viewer\s*\{\s*login/.test(body.query))
      .reply(200, { data: { viewer: { login: 'github-actions[bot]', databaseId: 41898282 } } });
    expect(await (await forge()).currentUser()).toEqual({
      id: '41898282',
      login: 'github-actions[bot]',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('falls back to GET /user, then to the Actions bot when /user refuses an installation token', async () => {
    nock(origin)
      .post('/api/graphql')
      .reply(403, { message: 'Forbidden' })
      .get(`${base}/user`)
      .reply(200, { id: 5, login: 'ci-user' });
    expect(await (await forge()).currentUser()).toEqual({ id: '5', login: 'ci-user' });

    nock(origin)
      .post('/api/graphql')
      .reply(404, { message: 'Not Found' })
      .get(`${base}/user`)
      .reply(403, { message: 'Resource not accessible by integration' });
    expect(await (await forge()).currentUser()).toEqual({ login: 'github-actions[bot]' });
  });

  it('takes the Actions bot when GraphQL and GET /user both answer 404 (a proxy passing neither)', async () => {
    const scope = nock(origin)
      .post('/api/graphql')
      .reply(404, { message: 'Not Found' })
      .get(`${base}/user`)
      .reply(404, { message: 'Not Found' });
    expect(await (await forge()).currentUser()).toEqual({ login: 'github-actions[bot]' });
    expect(scope.isDone()).toBe(true);
  });

  it('names the identity endpoint, not the pull request, when finding the identity fails', async () => {
    nock(origin).post('/api/graphql').times(4).reply(502, { message: 'bad gateway' });
    const viaGraphql = (await (await forge()).currentUser().catch((e: unknown) => e)) as InfraError;
    expect(viaGraphql).toBeInstanceOf(InfraError);
    expect(viaGraphql.message).toBe(
      'GitHub API at ghe.test failed with 502 when trying to find whom the token acts as via the GraphQL API (query viewer), after 4 attempts: bad gateway',
    );

    nock(origin)
      .post('/api/graphql')
      .reply(403, { message: 'Forbidden' })
      .get(`${base}/user`)
      .reply(401, { message: 'Bad credentials' });
    const viaRest = (await (await forge()).currentUser().catch((e: unknown) => e)) as UsageError;
    expect(viaRest.message).toBe(
      'GitHub rejected the token (401) when trying to find whom the token acts as via GET /user: Bad credentials',
    );
    expect(viaRest.message).not.toContain('#7');
  });

  it('reports a rejected token while finding the identity as a usage error', async () => {
    nock(origin).post('/api/graphql').reply(401, { message: 'Bad credentials' });
    const error = await (await forge()).currentUser().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(String((error as Error).message)).not.toContain(token);
  });

  it('carries each comment’s author from the listing', async () => {
    nock(origin)
      .get(comments)
      .query(true)
      .reply(200, [
        { id: 1, body: 'x', html_url: 'u', user: { id: 9, login: 'mallory' } },
        { id: 2, body: 'y', html_url: 'u', user: null },
      ]);
    const listed = await (await forge()).listComments();
    expect(listed.map((c) => c.author)).toEqual([{ id: '9', login: 'mallory' }, undefined]);
  });
});

describe('GitHub errors say what GitHub said', () => {
  it('a 422 is the request’s fault (exit 2) and carries errors[] detail', () => {
    const error = toGitHubError(
      failure(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
      }),
      call,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(
      'Validation Failed (IssueComment.body: body is too long (maximum is 65536 characters) [custom])',
    );
  });

  it('a 422 with only codes names the codes', () => {
    const error = toGitHubError(
      failure(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Issue', code: 'missing_field', field: 'body' }],
      }),
      call,
    );
    expect(error.message).toContain('(Issue.body: missing_field)');
  });

  it('a 403 on a locked conversation says it is locked, not that a permission is missing', () => {
    const error = toGitHubError(
      failure(403, { message: 'Unable to create comment because issue is locked.' }),
      call,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/the conversation is locked/);
    expect(error.hint).toMatch(/unlock/);
    expect(error.hint).not.toMatch(/pull-requests: write/);
  });

  it('a plain 403 still asks for the permission', () => {
    const error = toGitHubError(
      failure(403, { message: 'Resource not accessible by integration' }),
      call,
    );
    expect(error.hint).toMatch(/pull-requests: write/);
  });

  it('a 5xx stays an infrastructure error', () => {
    expect(toGitHubError(failure(502, { message: 'Bad Gateway' }), call)).toBeInstanceOf(
      InfraError,
    );
  });
});
