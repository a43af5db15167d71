import type { Octokit } from '@octokit/rest';
import type { Forge, ForgeComment, Logger } from '../../core/ports.js';
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
}

/**
 * A Forge over GitHub's issue-comments API. Octokit and its plugins are imported here,
 * on first use, so steps that never comment do not pay for loading them.
 */
export async function createGitHubForge(options: GitHubForgeOptions): Promise<Forge> {
  const octokit = await createOctokit(options);
  const { owner, repo, issueNumber: issue_number } = options;
  const retries = options.retries ?? 3;

  const call = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toGitHubError(error, {
        action,
        owner,
        repo,
        issueNumber: issue_number,
        isFork: options.isFork ?? false,
        attempts: retries + 1,
        token: options.token,
      });
    }
  };
  const toComment = (c: { id: number; body?: string | null; html_url: string }): ForgeComment => ({
    id: String(c.id),
    body: c.body ?? '',
    url: c.html_url,
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
        return all.map(toComment);
      }),
    createComment: (body) =>
      call('create a comment', async () => {
        const { data } = await octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number,
          body,
        });
        return toComment(data);
      }),
    updateComment: (id, body) =>
      call(`update comment ${id}`, async () => {
        const { data } = await octokit.rest.issues.updateComment({
          owner,
          repo,
          comment_id: Number(id),
          body,
        });
        return toComment(data);
      }),
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

async function createOctokit(options: GitHubForgeOptions): Promise<Octokit> {
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
