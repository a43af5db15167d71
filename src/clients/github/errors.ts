import { InfraError, UsageError } from '../../core/errors.js';
import type { SluiceError } from '../../core/errors.js';
import { serverText } from '../http/bounded-fetch.js';

/** What the failing call was about, to say it in the message. */
export interface GitHubCallContext {
  action: string;
  owner: string;
  repo: string;
  issueNumber: number;
  /**
   * The endpoint asked, when the call is not about the pull request (finding whom the token
   * acts as): messages then name it instead of the pull request.
   */
  endpoint?: string;
  isFork: boolean;
  attempts: number;
  /** Removed from anything that could end up in a message. */
  token: string;
  /** The API's host, named when it cannot be reached. */
  host?: string;
  /** Masks every secret of the run in a server's text. */
  mask?: (text: string) => string;
}

interface HttpFailure {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isHttpFailure(error: unknown): error is HttpFailure {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

/** Maps an Octokit failure to an error that says what to do; never carries the token or the request. */
export function toGitHubError(error: unknown, call: GitHubCallContext): SluiceError {
  const scrub = (text: string): string => {
    const clean = serverText(call.token ? text.split(call.token).join('***') : text, 500);
    return call.mask ? call.mask(clean) : clean;
  };
  const where = `${call.owner}/${call.repo}#${call.issueNumber}`;
  const on = call.endpoint ? `via ${call.endpoint}` : `on ${where}`;
  if (!isHttpFailure(error) || !error.response) {
    const reason = error instanceof Error ? error.message : String(error);
    return new InfraError(
      scrub(
        `could not reach the GitHub API${call.host ? ` at ${call.host}` : ''} to ${call.action} ${on}: ${reason}`,
      ),
      {
        hint: 'check the network and the API URL (GitHub Enterprise: the /api/v3 URL of your server)',
      },
    );
  }

  const headers = error.response.headers ?? {};
  const details = validationDetails(error.response.data);
  const said = scrub(
    `${serverMessage(error.response.data) ?? error.message}${details ? ` (${details})` : ''}`,
  );
  const status = error.status;

  if (status === 401) {
    return new UsageError(
      `GitHub rejected the token (401) when trying to ${call.action} ${on}: ${said}`,
      {
        hint: 'the token is missing, expired or revoked; pass a valid one in the `token` input (default: github.token)',
      },
    );
  }
  if (status === 403 || status === 429) {
    const rateLimited =
      status === 429 ||
      String(headers['x-ratelimit-remaining']) === '0' ||
      /rate limit/i.test(said);
    if (rateLimited) {
      return new InfraError(`GitHub rate limit hit when trying to ${call.action} ${on}: ${said}`, {
        hint: 'wait for the limit to reset or run fewer jobs that comment at once',
      });
    }
    if (/\blocked\b/i.test(said)) {
      return new UsageError(
        `GitHub refused to ${call.action} ${on}: the conversation is locked (403: ${said})`,
        {
          hint: 'a locked conversation takes comments only from collaborators with write access; unlock it on GitHub, or drop the comment (the report is in the job summary)',
        },
      );
    }
    if (call.isFork) {
      return new UsageError(
        `GitHub refused to ${call.action} ${on} (403): this pull request comes from a fork, and its token is read-only`,
        {
          hint: 'use the workflow_run pattern: the pull_request job uploads the report artifact, a workflow_run job (which gets a write token) posts it',
        },
      );
    }
    const accepted = headers['x-accepted-github-permissions'];
    const needs = accepted ? ` (GitHub accepts: ${String(accepted)})` : '';
    return new UsageError(`the token may not ${call.action} ${on} (403: ${said})${needs}`, {
      hint: 'give the job `permissions: pull-requests: write` (or `issues: write`) in the workflow, or pass a token that has it',
    });
  }
  if (status === 404 && call.endpoint) {
    return new UsageError(
      `GitHub answered 404 to ${call.endpoint} when trying to ${call.action}: ${said}`,
      {
        hint: 'the API URL may be wrong (GitHub Enterprise: the /api/v3 URL of your server), or a proxy does not pass this endpoint',
      },
    );
  }
  if (status === 404) {
    return new UsageError(`GitHub found no ${where} when trying to ${call.action} (404)`, {
      hint: 'check the repository and pull-request number; a token without access to a private repository also gets 404',
    });
  }
  if (status === 422) {
    // The request itself was refused (a body GitHub will not take, a field it does not
    // accept): sending it again cannot help, so it is bad input, not an outage.
    return new UsageError(`GitHub refused to ${call.action} ${on} (422: ${said})`, {
      hint: 'GitHub validated the request and refused it; the details in parentheses say what it objected to',
    });
  }
  if (status >= 500) {
    return new InfraError(
      `GitHub API${call.host ? ` at ${call.host}` : ''} failed with ${status} when trying to ${call.action} ${on}, after ${call.attempts} attempts: ${said}`,
      { hint: 'GitHub may be degraded; re-run the job later' },
    );
  }
  return new InfraError(
    `GitHub API${call.host ? ` at ${call.host}` : ''} answered ${status} when trying to ${call.action} ${on}: ${said}`,
  );
}

/** GitHub's 422 answers say what was wrong in `errors[]`: `{resource, field, code, message}`. */
function validationDetails(data: unknown): string | undefined {
  const errors = (data as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const parts = errors.slice(0, 5).map((entry: unknown) => {
    if (typeof entry === 'string') return entry;
    const e = (entry ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof e[key] === 'string' ? e[key] : undefined);
    const where = [text('resource'), text('field')].filter(Boolean).join('.');
    const what = text('message') ?? text('code') ?? 'invalid';
    const code = text('message') && text('code') ? ` [${text('code')}]` : '';
    return `${where ? `${where}: ` : ''}${what}${code}`;
  });
  return parts.length > 0 ? parts.join('; ').slice(0, 500) : undefined;
}

function serverMessage(data: unknown): string | undefined {
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
  ) {
    return (data as { message: string }).message;
  }
  return typeof data === 'string' && data.length > 0 ? data.slice(0, 300) : undefined;
}
