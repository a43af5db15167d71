import type { Octokit } from '@octokit/rest';
import { InfraError, UsageError, type SluiceError } from '../../core/errors.js';
import type {
  DeploymentHandle,
  DeploymentRequest,
  DeploymentState,
  Deployments,
} from '../../core/ports.js';
import { hostOf, serverText } from '../http/bounded-fetch.js';
import { toGitHubError } from './errors.js';
import { createOctokit, type OctokitOptions } from './forge.js';

export interface GitHubDeploymentsOptions extends OctokitOptions {
  owner: string;
  repo: string;
  /** The run's page, linked from every status (`log_url`). */
  runUrl?: string;
  /** Masks every secret of the run in a server's text before it goes into an error. */
  mask?: (text: string) => string;
}

/** GitHub keeps only this many characters of a deployment status's description. */
const MAX_DESCRIPTION = 140;

const DEFAULT_API = 'https://api.github.com';

/**
 * GitHub Deployments: `POST /repos/{owner}/{repo}/deployments` for the commit, then one
 * `POST …/deployments/{id}/statuses` per state. A deployment is never merged into its ref
 * (`auto_merge: false`), waits for no commit status (`required_contexts: []`) and stays listed
 * (`transient_environment: false`). GitHub marks earlier deployments to the environment
 * inactive only when a new one succeeds: a failed rollout leaves the old one current.
 */
export async function createGitHubDeployments(
  options: GitHubDeploymentsOptions,
): Promise<Deployments> {
  const octokit: Octokit = await createOctokit(options);
  const { owner, repo } = options;
  const host = hostOf(options.baseUrl ?? DEFAULT_API);
  const mask = options.mask ?? ((text: string) => text);
  const attempts = (options.retries ?? 3) + 1;

  const call = async <T>(action: string, endpoint: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof InfraError || error instanceof UsageError) throw error;
      throw deploymentError(error, {
        action,
        endpoint,
        owner,
        repo,
        host,
        mask,
        attempts,
        token: options.token,
      });
    }
  };

  return {
    start: (request: DeploymentRequest) =>
      call(
        `create a deployment to ${request.environment}`,
        'POST /repos/{owner}/{repo}/deployments',
        async (): Promise<DeploymentHandle> => {
          const { data } = await octokit.rest.repos.createDeployment({
            owner,
            repo,
            ref: request.ref,
            environment: request.environment,
            description: short(request.description),
            auto_merge: false,
            required_contexts: [],
            transient_environment: false,
          });
          const id = (data as { id?: unknown } | null | undefined)?.id;
          if (typeof id !== 'number') {
            const said = mask(serverText(JSON.stringify(data) ?? '', 200));
            throw new InfraError(
              `the GitHub API at ${host} answered the request to create a deployment, but not with a deployment: ${said || 'an empty body'}`,
              {
                hint: "check the API URL (GITHUB_API_URL; GitHub Enterprise: the /api/v3 URL of your server): a proxy may answer in GitHub's place",
              },
            );
          }
          return handle(id, request.url);
        },
      ),
  };

  function handle(id: number, defaultUrl: string | undefined): DeploymentHandle {
    return {
      id: String(id),
      status: (state: DeploymentState, detail) =>
        call(
          `mark deployment ${id} ${state}`,
          'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
          async () => {
            const url = detail.url ?? defaultUrl;
            await octokit.rest.repos.createDeploymentStatus({
              owner,
              repo,
              deployment_id: id,
              state,
              description: short(detail.description),
              ...(url ? { environment_url: url } : {}),
              ...(options.runUrl ? { log_url: options.runUrl } : {}),
            });
          },
        ),
    };
  }
}

function short(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}

/**
 * A refused write (403 that is not a rate limit) names the permission the job lacks; anything
 * else is said the way every GitHub call says it.
 */
function deploymentError(
  error: unknown,
  context: {
    action: string;
    endpoint: string;
    owner: string;
    repo: string;
    host: string;
    mask: (text: string) => string;
    attempts: number;
    token: string;
  },
): SluiceError {
  const mapped = toGitHubError(error, {
    action: context.action,
    endpoint: context.endpoint,
    owner: context.owner,
    repo: context.repo,
    issueNumber: 0,
    isFork: false,
    attempts: context.attempts,
    token: context.token,
    host: context.host,
    mask: context.mask,
  });
  const status = (error as { status?: unknown }).status;
  if (status === 403 && mapped instanceof UsageError) {
    return new UsageError(
      `the token may not ${context.action} in ${context.owner}/${context.repo} (403): it needs the \`deployments: write\` permission`,
      {
        hint: 'give the job `permissions: deployments: write` in the workflow (or pass a token that has it); on a pull request from a fork the token is read-only',
      },
    );
  }
  return mapped;
}
