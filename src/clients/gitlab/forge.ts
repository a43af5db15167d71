import { InfraError, UsageError } from '../../core/errors.js';
import type { SluiceError } from '../../core/errors.js';
import type { Forge, ForgeComment, ForgeUser, Logger } from '../../core/ports.js';
import { boundedFetch, hostOf, serverText, type FetchBounds } from '../http/bounded-fetch.js';
import { defaultSleep, fetchWithRetry } from './http.js';
import type { RetryPolicy } from './http.js';

/** GitLab accepts note bodies up to this many characters. */
const GITLAB_MAX_NOTE_LENGTH = 1_000_000;

export interface GitLabForgeOptions {
  /** The REST API root, e.g. the value of CI_API_V4_URL (`https://<host>/api/v4`). */
  apiUrl: string;
  /** Numeric id (CI_PROJECT_ID) or full path (`group/project`). */
  projectId: string | number;
  mergeRequestIid: number;
  token: string;
  /** `job` for CI_JOB_TOKEN (sent as JOB-TOKEN), else a personal/project/group access token. */
  tokenKind?: 'access' | 'job';
  /** The project's web URL (CI_PROJECT_URL), to link the note. */
  projectUrl?: string;
  logger?: Logger;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Time and size bounds of every call (tests shorten them). */
  bounds?: Partial<FetchBounds>;
  /** Masks every secret of the run in a server's text before it goes into an error. */
  mask?: (text: string) => string;
}

interface ApiNote {
  id: number;
  body: string;
  system?: boolean;
  author?: ApiUser | null;
}

interface ApiUser {
  id?: number;
  username: string;
}

function toUser(user: ApiUser): ForgeUser {
  return { ...(typeof user.id === 'number' ? { id: String(user.id) } : {}), login: user.username };
}

const MAX_PAGES = 1000;

/** Stands for a token whose user GitLab would not name: no GitLab username has parentheses. */
const UNKNOWN_USER: ForgeUser = { login: '(unknown: GET /user refused)' };

/** Talking to one merge request's notes: retried requests, checked JSON, errors named. */
interface NotesApi {
  api: string;
  notes: string;
  iid: number;
  jobToken: boolean;
  request(
    action: string,
    method: string,
    url: string,
    body?: string,
  ): ReturnType<typeof fetchWithRetry>;
  /** A request whose answer must be 2xx; anything else is the error toGitLabError names. */
  send(action: string, method: string, url: string, body?: string): Promise<Response>;
  fail(response: Response, action: string, attempts: number, on?: string): Promise<SluiceError>;
  /** The JSON of a 2xx answer, checked to be what was asked for; anything else is exit 3. */
  json<T>(
    response: Response,
    action: string,
    valid: (data: unknown) => data is T,
    what: string,
  ): Promise<T>;
}

function notesApi(options: GitLabForgeOptions): NotesApi {
  const api = options.apiUrl.replace(/\/+$/, '');
  const iid = options.mergeRequestIid;
  const notes = `${api}/projects/${encodeURIComponent(String(options.projectId))}/merge_requests/${iid}/notes`;
  const jobToken = options.tokenKind === 'job';
  const headers = {
    [jobToken ? 'JOB-TOKEN' : 'PRIVATE-TOKEN']: options.token,
    accept: 'application/json',
    'user-agent': 'sluice',
  };
  const policy: RetryPolicy = {
    retries: 4,
    baseDelayMs: 1000,
    maxRetryAfterSeconds: 60,
    sleep: defaultSleep,
    now: () => Date.now(),
    ...options.retry,
  };
  const fetchImpl = boundedFetch(options.fetch ?? fetch, options.bounds);
  const host = hostOf(api);
  const mask = options.mask ?? ((text: string) => text);
  const json = async <T>(
    response: Response,
    action: string,
    valid: (data: unknown) => data is T,
    what: string,
  ): Promise<T> => {
    const text = await response.text();
    let data: unknown;
    try {
      data = JSON.parse(text) as unknown;
    } catch {
      data = undefined;
    }
    if (data !== undefined && valid(data)) return data;
    const type = response.headers.get('content-type') ?? 'no content type';
    throw new InfraError(
      `GitLab at ${host} answered ${response.status} (${serverText(type, 80)}) to ${action}, but not with ${what}: ${mask(scrubToken(serverText(text, 200), options.token)) || 'an empty body'}`,
      {
        hint: "check the API URL (CI_API_V4_URL): a proxy or login page may answer in GitLab's place",
      },
    );
  };
  const request = (action: string, method: string, url: string, body?: string) => {
    const init: RequestInit = {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify({ body }) }),
    };
    return fetchWithRetry(fetchImpl, url, init, policy, action, options.logger);
  };
  const fail = (response: Response, action: string, attempts: number, on?: string) =>
    toGitLabError(response, action, {
      on: on ?? `on merge request !${iid}`,
      jobToken,
      token: options.token,
      attempts,
      host,
      mask,
    });
  const send = async (
    action: string,
    method: string,
    url: string,
    body?: string,
  ): Promise<Response> => {
    const { response, attempts } = await request(action, method, url, body);
    if (!response.ok) throw await fail(response, action, attempts);
    return response;
  };
  return { api, notes, iid, jobToken, request, send, fail, json };
}

/** A Forge over GitLab's merge request notes API (REST v4). */
export function createGitLabForge(options: GitLabForgeOptions): Forge {
  const { api, notes, iid, jobToken, request, send, fail, json } = notesApi(options);
  const toComment = (note: ApiNote): ForgeComment => ({
    id: String(note.id),
    body: note.body,
    ...(note.author ? { author: toUser(note.author) } : {}),
    ...(options.projectUrl
      ? { url: `${options.projectUrl.replace(/\/+$/, '')}/-/merge_requests/${iid}#note_${note.id}` }
      : {}),
  });

  return {
    name: 'gitlab',
    maxCommentLength: GITLAB_MAX_NOTE_LENGTH,
    async listComments() {
      const found: ForgeComment[] = [];
      let url: string | undefined = `${notes}?sort=asc&order_by=created_at&per_page=100`;
      for (let page = 0; url !== undefined; page += 1) {
        if (page >= MAX_PAGES)
          throw new InfraError(
            `GitLab kept paginating merge request !${iid} notes past ${MAX_PAGES} pages`,
          );
        const response = await send('list the merge request notes', 'GET', url);
        const batch = await json(
          response,
          'list the merge request notes',
          isNoteList,
          'a list of notes',
        );
        // System notes ("added 1 commit") are GitLab's own, never a sticky comment.
        for (const note of batch) if (!note.system) found.push(toComment(note));
        url = nextPage(response, url, api);
      }
      return found;
    },
    async currentUser() {
      // Personal, project and group access tokens each act as a user (a bot user for the
      // latter two): the notes they write carry that user as author.
      const action = 'find whom the token acts as';
      const { response, attempts } = await request(action, 'GET', `${api}/user`);
      if (response.ok) return toUser(await json(response, action, isUser, 'a user'));
      // A token (or a proxy) that may write notes but not read /user: the note this run
      // creates names its author, and the sticky comment learns the identity from it.
      // A job token cannot write notes at all: that is said at once.
      if ((response.status === 403 || response.status === 404) && !jobToken) {
        await response.body?.cancel();
        options.logger?.warn(
          `GitLab answered ${response.status} to GET /user: whom the token acts as is learnt from the note this run writes (an earlier sticky note of this token is then folded into)`,
        );
        return UNKNOWN_USER;
      }
      throw await fail(response, action, attempts, 'via GET /user');
    },
    async createComment(body) {
      const action = 'create a merge request note';
      const response = await send(action, 'POST', notes, body);
      return toComment(await json(response, action, isNote, 'a note'));
    },
    async updateComment(id, body) {
      const action = `update note ${id}`;
      const response = await send(action, 'PUT', `${notes}/${encodeURIComponent(id)}`, body);
      return toComment(await json(response, action, isNote, 'a note'));
    },
    async deleteComment(id) {
      try {
        await send(`delete note ${id}`, 'DELETE', `${notes}/${encodeURIComponent(id)}`);
      } catch (error) {
        // Already gone (another job folded the same duplicate): that is what we wanted.
        if (!(error instanceof GitLabNotFound)) throw error;
      }
    },
  };
}

/** The next page from `x-next-page`, else from the Link header; never off the API's origin. */
function nextPage(response: Response, current: string, api: string): string | undefined {
  const next = response.headers.get('x-next-page');
  if (next !== null && next.trim() !== '') {
    const url = new URL(current);
    url.searchParams.set('page', next.trim());
    return url.toString();
  }
  const link = response.headers.get('link');
  const match = link
    ?.split(',')
    .find((part) => /rel="?next"?/.test(part))
    ?.match(/<([^>]+)>/);
  if (!match) return undefined;
  const url = new URL(match[1]!, current);
  // The token goes with every request: follow links to the same server only.
  return url.origin === new URL(api).origin ? url.toString() : undefined;
}

class GitLabNotFound extends UsageError {}

function isRecord(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function isUser(data: unknown): data is ApiUser {
  return isRecord(data) && typeof data.username === 'string';
}

function isNote(data: unknown): data is ApiNote {
  return (
    isRecord(data) &&
    typeof data.id === 'number' &&
    typeof data.body === 'string' &&
    (data.author === undefined || data.author === null || isUser(data.author))
  );
}

function isNoteList(data: unknown): data is ApiNote[] {
  return Array.isArray(data) && data.every(isNote);
}

function scrubToken(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}

async function toGitLabError(
  response: Response,
  action: string,
  context: {
    /** What the call was about, as said after the action: `on merge request !3`, `via GET /user`. */
    on: string;
    jobToken: boolean;
    token: string;
    attempts: number;
    host: string;
    mask: (text: string) => string;
  },
): Promise<SluiceError> {
  const said = context.mask(scrubToken(serverText(await serverMessage(response)), context.token));
  const { status } = response;
  const where = context.on;

  if ((status === 401 || status === 403) && context.jobToken) {
    return new UsageError(
      `CI_JOB_TOKEN cannot write merge request notes (GitLab answered ${status} to: ${action} ${where})`,
      {
        hint: 'create a project access token with the `api` scope (role Reporter or higher), store it in a masked CI/CD variable such as SLUICE_GITLAB_TOKEN, and pass it as the `token` input',
      },
    );
  }
  if (status === 401) {
    return new UsageError(
      `GitLab rejected the token (401) when trying to ${action} ${where}: ${said}`,
      {
        hint: 'the token is missing, expired or revoked; use a project or personal access token with the `api` scope',
      },
    );
  }
  if (status === 403) {
    return new UsageError(`the token may not ${action} ${where} (403: ${said})`, {
      hint: 'the token needs the `api` scope and a role that may comment on merge requests (Reporter or higher)',
    });
  }
  if (status === 404) {
    return new GitLabNotFound(
      `GitLab found nothing when trying to ${action} ${where} (404: ${said})`,
      {
        hint: 'check the project id and merge request iid; a token without access to a private project also gets 404',
      },
    );
  }
  if (status === 429 || status >= 500) {
    return new InfraError(
      `GitLab at ${context.host} answered ${status} when trying to ${action} ${where}, after ${context.attempts} attempt${context.attempts === 1 ? '' : 's'}: ${said}`,
      {
        hint:
          status === 429
            ? 'the rate limit was hit; run fewer commenting jobs at once or retry later'
            : 'GitLab may be degraded; re-run the job later',
      },
    );
  }
  return new InfraError(
    `GitLab at ${context.host} answered ${status} when trying to ${action} ${where}: ${said}`,
  );
}

async function serverMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const data = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = data.message ?? data.error;
    if (message !== undefined)
      return typeof message === 'string' ? message : JSON.stringify(message);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || response.statusText || 'no details';
}
