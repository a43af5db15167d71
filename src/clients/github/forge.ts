import type { Octokit } from '@octokit/rest';
import type { Forge, ForgeComment, ForgeUser, Logger } from '../../core/ports.js';
import { InfraError } from '../../core/errors.js';
import { boundedFetch, hostOf, serverText, type FetchBounds } from '../http/bounded-fetch.js';
import { toGitHubError } from './errors.js';

/** GitHub refuses comment bodies longer than this many characters. */
export const GITHUB_MAX_COMMENT_LENGTH = 65_536;

export interface GitHubForgeOptions {
  token: string;
  owner: string;
  repo: string;
  /** The pull request number (PR comments live in the issues API). */
  issueNumber: number;
  /** GitHub Enterprise: `https://<host>/api/v3`; default: github.com's API. */
  baseUrl?: string;
  /** The pull request comes from a fork: errors then explain the read-only token. */
  isFork?: boolean;
  logger?: Logger;
  /** Retries of a failed request (5xx, network) before giving up. Default 3. */
  retries?: number;
  /**
   * Milliseconds per unit of retry delay (Octokit waits retryCount² units, or the
   * Retry-After seconds). Default 1000; tests pass 0 to run without waiting.
   */
  retryDelayUnitMs?: number;
  /** Longest rate-limit wait accepted before failing instead, in seconds. Default 60. */
  maxRateLimitWaitSeconds?: number;
  /** Octokit's pacing of writes (one per second). Default on; tests turn it off. */
  throttle?: boolean;
  /** Time and size bounds of every call (tests shorten them). */
  bounds?: Partial<FetchBounds>;
  /** Masks every secret of the run in a server's text before it goes into an error. */
  mask?: (text: string) => string;
  fetch?: typeof fetch;
}

const DEFAULT_API = 'https://api.github.com';

/**
 * A Forge over GitHub's issue-comments API. Octokit and its plugins are imported here,
 * on first use, so steps that never comment do not pay for loading them.
 */
export async function createGitHubForge(options: GitHubForgeOptions): Promise<Forge> {
  const octokit = await createOctokit(options);
  const { owner, repo, issueNumber: issue_number } = options;
  const retries = options.retries ?? 3;
  const host = hostOf(options.baseUrl ?? DEFAULT_API);
  const mask = options.mask ?? ((text: string) => text);

  const call = async <T>(action: string, run: () => Promise<T>, endpoint?: string): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof InfraError) throw error;
      throw toGitHubError(error, {
        host,
        mask,
        action,
        owner,
        repo,
        issueNumber: issue_number,
        ...(endpoint ? { endpoint } : {}),
        isFork: options.isFork ?? false,
        attempts: retries + 1,
        token: options.token,
      });
    }
  };
  const expect = <T>(
    data: unknown,
    valid: (data: unknown) => data is T,
    what: string,
    action: string,
  ): T => expectAnswer(data, valid, { what, action, host, mask, token: options.token });
  const toComment = (c: ApiComment): ForgeComment => ({
    id: String(c.id),
    body: c.body ?? '',
    url: c.html_url,
    ...(c.user ? { author: { id: String(c.user.id), login: c.user.login } } : {}),
  });

  return {
    name: 'github',
    maxCommentLength: GITHUB_MAX_COMMENT_LENGTH,
    listComments: () =>
      call('list the comments', async () => {
        // The API returns issue comments in ascending id order, i.e. oldest first.
        const all = await octokit.paginate(octokit.rest.issues.listComments, {
          owner,
          repo,
          issue_number,
          per_page: 100,
        });
        return expect(all, isCommentList, 'a list of comments', 'list the comments').map(toComment);
      }),
    createComment: (body) =>
      call('create a comment', async () => {
        const { data } = await octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number,
          body,
        });
        return toComment(expect(data, isComment, 'a comment', 'create a comment'));
      }),
    updateComment: (id, body) =>
      call(`update comment ${id}`, async () => {
        const { data } = await octokit.rest.issues.updateComment({
          owner,
          repo,
          comment_id: Number(id),
          body,
        });
        return toComment(expect(data, isComment, 'a comment', `update comment ${id}`));
      }),
    currentUser: () =>
      currentUser(octokit, options.logger, (endpoint, run) =>
        call('find whom the token acts as', run, endpoint),
      ),
    deleteComment: (id) =>
      call(`delete comment ${id}`, async () => {
        try {
          await octokit.rest.issues.deleteComment({ owner, repo, comment_id: Number(id) });
        } catch (error) {
          // Already gone (another job folded the same duplicate): that is what we wanted.
          if ((error as { status?: unknown }).status !== 404) throw error;
        }
      }),
  };
}

/** The data of a 2xx answer, checked to be what was asked for; anything else is exit 3. */
function expectAnswer<T>(
  data: unknown,
  valid: (data: unknown) => data is T,
  context: {
    what: string;
    action: string;
    host: string;
    mask: (text: string) => string;
    token: string;
  },
): T {
  if (valid(data)) return data;
  const shown =
    typeof data === 'string'
      ? data
      : data instanceof ArrayBuffer
        ? Buffer.from(data).toString('utf8')
        : (JSON.stringify(data) ?? '');
  const said = context.mask(scrub(serverText(shown, 200), context.token));
  throw new InfraError(
    `the GitHub API at ${context.host} answered the request to ${context.action}, but not with ${context.what}: ${said || 'an empty body'}`,
    {
      hint: "check the API URL (GITHUB_API_URL; GitHub Enterprise: the /api/v3 URL of your server): a proxy or login page may answer in GitHub's place",
    },
  );
}

interface ApiComment {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { id: number; login: string } | null;
}

function isRecord(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function isComment(data: unknown): data is ApiComment {
  if (!isRecord(data) || typeof data.id !== 'number' || typeof data.html_url !== 'string')
    return false;
  if (data.body !== undefined && data.body !== null && typeof data.body !== 'string') return false;
  const user = data.user;
  return (
    user === undefined ||
    user === null ||
    (isRecord(user) && typeof user.id === 'number' && typeof user.login === 'string')
  );
}

function isCommentList(data: unknown): data is ApiComment[] {
  return Array.isArray(data) && data.every(isComment);
}

function scrub(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}

/** The account comments by the Actions GITHUB_TOKEN are written as. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/**
 * Whom the token acts as, in one call: GraphQL's `viewer` answers for personal access tokens
 * and for installation tokens alike (the Actions GITHUB_TOKEN, GitHub App tokens), where REST
 * `GET /user` refuses installation tokens with 403. Should GraphQL be unavailable (a 403 or 404,
 * e.g. a proxy that only passes REST), REST `GET /user` is asked, and when that refuses or is
 * missing too the token is taken for an installation token: the Actions bot, whose name the
 * first comment created confirms (or corrects).
 */
async function currentUser(
  octokit: Octokit,
  logger: Logger | undefined,
  call: <T>(endpoint: string, run: () => Promise<T>) => Promise<T>,
): Promise<ForgeUser> {
  const viewer = await call('the GraphQL API (query viewer)', async () => {
    try {
      const data = await octokit.graphql<{
        viewer: { login: string; databaseId?: number | null };
      }>('query { viewer { login databaseId } }');
      const viewer = (data as { viewer?: unknown } | null | undefined)?.viewer;
      if (!isRecord(viewer) || typeof viewer.login !== 'string')
        throw new InfraError('the GitHub GraphQL API answered the viewer query without a login', {
          hint: "check the API URL (GITHUB_API_URL): a proxy may answer in GitHub's place",
        });
      return data.viewer;
    } catch (error) {
      if (!refusedOrMissing(error)) throw error;
      logger?.debug(`GraphQL viewer unavailable (${describe(error)}); asking GET /user`);
      return undefined;
    }
  });
  if (viewer) {
    return {
      login: viewer.login,
      ...(typeof viewer.databaseId === 'number' ? { id: String(viewer.databaseId) } : {}),
    };
  }
  return call('GET /user', async () => {
    try {
      const { data } = await octokit.rest.users.getAuthenticated();
      const user = data as unknown;
      if (!isRecord(user) || typeof user.login !== 'string' || typeof user.id !== 'number')
        throw new InfraError('the GitHub API answered GET /user without a user', {
          hint: "check the API URL (GITHUB_API_URL): a proxy may answer in GitHub's place",
        });
      return { id: String(user.id), login: user.login };
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status !== 403 && status !== 404) throw error;
      logger?.debug(
        `GET /user answered ${status}; assuming ${ACTIONS_BOT_LOGIN} until a comment says`,
      );
      return { login: ACTIONS_BOT_LOGIN };
    }
  });
}

function refusedOrMissing(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  // A GraphQL error inside a 200 answer has no status: the query itself was refused.
  return status === undefined ? error instanceof Error : status === 403 || status === 404;
}

function describe(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? String(status) : 'GraphQL error';
}

/** What an Octokit client needs: the token, the API and the bounds of its calls. */
export type OctokitOptions = Pick<
  GitHubForgeOptions,
  | 'token'
  | 'baseUrl'
  | 'logger'
  | 'retries'
  | 'retryDelayUnitMs'
  | 'maxRateLimitWaitSeconds'
  | 'throttle'
  | 'bounds'
  | 'fetch'
>;

/** Octokit with retries and rate-limit pacing, loaded on first use. */
export async function createOctokit(options: OctokitOptions): Promise<Octokit> {
  const [{ Octokit }, { retry }, { throttling }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  const logger = options.logger;
  const retries = options.retries ?? 3;
  const unit = options.retryDelayUnitMs ?? 1000;
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const again = retryCount < retries && retryAfter <= maxWait;
      logger?.warn(
        `GitHub ${kind} on ${request.method} ${request.url}: ${again ? `retrying in ${retryAfter} s` : 'giving up'}`,
      );
      return again;
    };

  const Client = Octokit.plugin(retry, throttling);
  return new Client({
    auth: options.token,
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: 'sluice',
    request: { fetch: boundedFetch(options.fetch ?? fetch, options.bounds) },
    retry: { retries, retryAfterBaseValue: unit },
    throttle: {
      enabled: options.throttle ?? true,
      retryAfterBaseValue: unit,
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
    },
    // Octokit logs every failed attempt, retried or not; only the final error is the
    // user's business (it is thrown and reported once), so attempts go to the debug log.
    log: {
      debug: (message: string) => logger?.debug(message),
      info: (message: string) => logger?.debug(message),
      warn: (message: string) => logger?.debug(message),
      error: (message: string) => logger?.debug(message),
    },
  });
}
