import { createHash } from 'node:crypto';
import type { RunContext } from '../commands/types.js';
import { UsageError } from '../errors.js';
import type { Exec } from '../ports.js';
import { shownPath, userPathError } from '../files/fs-errors.js';
import { openUserFile } from '../files/user-file.js';

export interface GitFacts {
  revision?: string;
  /** Seconds since the epoch of the HEAD commit. */
  commitTime?: number;
  /** A forge URL of the repository (https), for the image source label. */
  source?: string;
  /** Why there is no source label although origin is set (a local path, a file:// remote). */
  sourceLeftOut?: string;
}

/** What git says about the work tree; each fact is optional (a tarball checkout has none). */
export async function readGitFacts(exec: Exec, cwd: string): Promise<GitFacts> {
  const git = async (...args: string[]): Promise<string | undefined> => {
    const result = await exec.run('git', args, { cwd, allowFailure: true }).catch(() => undefined);
    return result && result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
  };
  const [revision, time, remote] = await Promise.all([
    git('rev-parse', 'HEAD'),
    git('log', '-1', '--format=%ct'),
    git('remote', 'get-url', 'origin'),
  ]);
  const facts: GitFacts = {};
  if (revision) facts.revision = revision;
  if (time && /^\d+$/.test(time)) facts.commitTime = Number(time);
  if (remote) {
    const url = forgeUrl(remote);
    if (url) facts.source = url;
    else
      facts.sourceLeftOut =
        'the origin remote is not a forge URL (https://…, ssh://… or git@host:owner/repo), e.g. a local path or a file:// URL';
  }
  return facts;
}

/**
 * Fills the facts git could not give (no git binary in the job image, a tarball checkout) from
 * what the CI says about the run; what git says wins, since it describes the files built.
 * Except the revision of a pull/merge request: the checkout is a merge commit the forge does not
 * keep, so the revision is the head commit the author pushed (the one `{sha}` tags name too).
 */
export function withCiFacts(facts: GitFacts, run: RunContext): GitFacts {
  const filled: GitFacts = { ...facts };
  const head = run.changeRequest?.headSha;
  if (head) filled.revision = head;
  else if (filled.revision === undefined && run.commit) filled.revision = run.commit.sha;
  if (filled.commitTime === undefined && run.commit?.timestamp !== undefined) {
    const millis = Date.parse(run.commit.timestamp);
    if (Number.isFinite(millis)) filled.commitTime = Math.floor(millis / 1000);
  }
  if (filled.source === undefined && run.repositoryUrl) {
    const url = forgeUrl(run.repositoryUrl);
    if (url) {
      filled.source = url;
      delete filled.sourceLeftOut;
    }
  }
  return filled;
}

/**
 * The https URL of a repository on a forge, from a git remote: an http(s) URL without the user,
 * token, query and fragment CI systems and users put in it; an ssh one (`ssh://git@host/o/r`,
 * `git@host:o/r`) as https on the same host. Anything else (a local path, `file://`, a bundle)
 * says nothing a reader of the image could open: undefined.
 */
export function forgeUrl(remote: string): string | undefined {
  const trimmed = remote.trim();
  const scp = /^[\w.+-]+@([a-z0-9.-]+):(?!\/)([^\s?#]+)$/i.exec(trimmed);
  if (scp) return withoutGitSuffix(`https://${scp[1]!.toLowerCase()}/${scp[2]}`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (!url.hostname || /\s/.test(trimmed)) return undefined;
  if (url.protocol === 'ssh:' || url.protocol === 'git+ssh:') {
    const path = url.pathname.replace(/^\/+/, '');
    return path ? withoutGitSuffix(`https://${url.hostname}/${path}`) : undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return withoutGitSuffix(url.toString());
}

function withoutGitSuffix(url: string): string {
  return url.replace(/\/+$/, '').replace(/\.git$/, '');
}

export interface ModelFacts {
  name?: string;
  version?: string;
  mlflowRunId?: string;
  /** The MLflow registered model version the image serves (`mlflow-model-version`). */
  mlflowModelVersion?: { model: string; version: string; modelId?: string };
  /** Files whose sha256 become labels: the metrics the model was gated on, the dataset. */
  metricsFile?: string;
  datasetFile?: string;
}

export async function imageLabels(
  created: string,
  git: GitFacts,
  model: ModelFacts,
  extra: readonly string[],
): Promise<Record<string, string>> {
  const labels: Record<string, string> = { 'org.opencontainers.image.created': created };
  if (git.revision) labels['org.opencontainers.image.revision'] = git.revision;
  if (git.source) labels['org.opencontainers.image.source'] = git.source;
  if (model.name) {
    labels['org.opencontainers.image.title'] = model.name;
    labels['io.sluice.model.name'] = model.name;
  }
  if (model.version) {
    labels['org.opencontainers.image.version'] = model.version;
    labels['io.sluice.model.version'] = model.version;
  }
  if (model.mlflowRunId) labels['io.sluice.model.mlflow-run-id'] = model.mlflowRunId;
  if (model.mlflowModelVersion) {
    const { model: registered, version, modelId } = model.mlflowModelVersion;
    labels['io.sluice.model.mlflow-model'] = registered;
    labels['io.sluice.model.mlflow-version'] = version;
    if (modelId) labels['io.sluice.model.mlflow-model-id'] = modelId;
  }
  if (model.metricsFile)
    labels['io.sluice.model.metrics.digest'] = await fileDigest(model.metricsFile, 'metrics-file');
  if (model.datasetFile)
    labels['io.sluice.model.dataset.digest'] = await fileDigest(model.datasetFile, 'dataset-file');
  for (const pair of extra) {
    const equals = pair.indexOf('=');
    if (equals <= 0)
      throw new UsageError(`Label "${pair}" is not key=value`, {
        place: { key: 'labels' },
        hint: 'e.g. team=search',
      });
    labels[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return labels;
}

/**
 * The sha256 of a file the user named (metrics-file, dataset-file), opened by the one safe
 * reader: a FIFO or folder is refused by name, never waited on; any size is streamed.
 */
async function fileDigest(path: string, key: string): Promise<string> {
  const target = { file: path, what: `${key} ${shownPath(path)}`, key };
  const { handle } = await openUserFile(path, target, { maxBytes: Number.POSITIVE_INFINITY });
  try {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({
      highWaterMark: 1 << 20,
      autoClose: false,
    }) as AsyncIterable<Buffer>)
      hash.update(chunk);
    return `sha256:${hash.digest('hex')}`;
  } catch (error) {
    throw userPathError(error, target, 'read') ?? error;
  } finally {
    await handle.close();
  }
}
