/**
 * The MLflow REST client (openapi-fetch over openapi.yaml's generated types), as the core's
 * ModelRegistry port. What is missing (an alias, version or run) comes back undefined for the
 * core to name; an unknown registered model or a refused sign-in is a UsageError; the server
 * failing is an InfraError naming it (see transport.ts for retries and answer checks).
 */
import { open, rm } from 'node:fs/promises';
import createClient from 'openapi-fetch';
import { artifactPathProblem, printable } from '../../core/baseline/spec.js';
import { InfraError, UsageError } from '../../core/errors.js';
import type {
  ModelRegistry,
  ModelVersionRef,
  RegistryMetrics,
  RunMetrics,
  SecretMasker,
} from '../../core/ports.js';
import type { FetchBounds } from '../http/bounded-fetch.js';
import type { MlflowConfig } from './config.js';
import type { components, paths } from './schema.js';
import { ENDPOINT_NOT_FOUND, mlflowTransport, snippet } from './transport.js';

type Schemas = components['schemas'];
type Metric = Schemas['Metric'];
type ApiError = Schemas['Error'];

export interface MlflowClientOptions {
  masker: SecretMasker;
  fetch?: typeof fetch;
  bounds?: Partial<FetchBounds>;
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const GITLAB_NO_ALIASES =
  "GitLab's MLflow-compatible API has no model aliases: its alias lookup takes a version number";

export function createMlflowRegistry(
  config: MlflowConfig,
  options: MlflowClientOptions,
): ModelRegistry {
  const { masker } = options;
  if (config.auth.kind === 'basic') {
    masker.add(config.auth.password);
    masker.add(`${config.auth.username}:${config.auth.password}`);
  }
  if (config.auth.kind === 'bearer') masker.add(config.auth.token);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.auth.kind === 'basic') {
    const pair = `${config.auth.username}:${config.auth.password}`;
    headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  } else if (config.auth.kind === 'bearer') {
    headers.authorization = `Bearer ${config.auth.token}`;
  }
  const api = createClient<paths>({
    baseUrl: `${config.baseUrl}/api/2.0/mlflow`,
    headers,
    fetch: mlflowTransport({
      server: config.name,
      masker,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.bounds ? { bounds: options.bounds } : {}),
      ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    }),
  });
  // Artifact downloads stream; their routes sit at the server's root (`/get-artifact`) and
  // under /api/2.0 (the artifact proxy's), not under /api/2.0/mlflow.
  const download = mlflowTransport({
    server: config.name,
    masker,
    stream: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.bounds ? { bounds: options.bounds } : {}),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const files = createClient<paths>({ baseUrl: config.baseUrl, headers, fetch: download });
  const proxied = createClient<paths>({
    baseUrl: `${config.baseUrl}/api/2.0`,
    headers,
    fetch: download,
  });
  const idleMs = options.bounds?.idleTimeoutMs ?? 30_000;
  const server = config.name;

  /** An MLflow error answer: missing → undefined, the user's problem → UsageError, else exit 3. */
  function failure(what: string, status: number, error: ApiError | undefined): 'missing' {
    const code = error?.error_code ?? '';
    const message = snippet(error?.message ?? '', masker);
    const said = `${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
    if (code === ENDPOINT_NOT_FOUND) {
      throw new InfraError(
        `${server} has no endpoint for ${what} (404 without MLflow's JSON${message ? `: ${message}` : ''})`,
        {
          hint: 'MLFLOW_TRACKING_URI must be the tracking server root (GitLab: https://<gitlab>/api/v4/projects/<id>/ml/mlflow)',
        },
      );
    }
    if (status === 404 || code === 'RESOURCE_DOES_NOT_EXIST') return 'missing';
    if (
      status === 401 ||
      status === 403 ||
      code === 'PERMISSION_DENIED' ||
      code === 'UNAUTHENTICATED'
    ) {
      throw new UsageError(`${server} refused ${what} (${said})`, {
        place: { key: config.auth.kind === 'none' ? 'MLFLOW_TRACKING_TOKEN' : authKey(config) },
        hint:
          config.auth.kind === 'none'
            ? 'the server asks for a sign-in: set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD'
            : 'check the credentials and that this account may read (or, for write-back, edit) the model',
      });
    }
    if (status >= 400 && status < 500) {
      throw new UsageError(`${server} refused ${what} (${said})`, {
        hint: 'check the model name, version, alias or run id',
      });
    }
    throw new InfraError(`${server}: ${what} answered ${said}`);
  }

  function versionRef(raw: Schemas['ModelVersion'] | undefined, what: string): ModelVersionRef {
    if (!raw?.name || raw.version === undefined || raw.version === '') {
      throw new InfraError(
        `${server}: ${what} answered without a model version (not MLflow's answer?)`,
      );
    }
    const version = String(raw.version);
    // MLflow 3 registers a logged model: `model_id` where the server sends it, else the
    // `models:/m-…` source it was registered from.
    const modelId = raw.model_id ?? /^models:\/(m-[0-9a-f]{8,64})$/.exec(raw.source ?? '')?.[1];
    return {
      model: raw.name,
      version,
      ...(raw.run_id ? { runId: raw.run_id } : {}),
      ...(modelId ? { modelId } : {}),
      ...(raw.source ? { source: raw.source } : {}),
      ...(raw.aliases?.length ? { aliases: raw.aliases } : {}),
      // MLflow leaves an empty list out: no `tags` is a version without tags.
      tags: Object.fromEntries(
        (raw.tags ?? []).flatMap((tag) =>
          typeof tag.key === 'string' ? [[tag.key, String(tag.value ?? '')]] : [],
        ),
      ),
      ...(config.uiUrl
        ? {
            url: `${config.uiUrl}/#/models/${encodeURIComponent(raw.name)}/versions/${encodeURIComponent(version)}`,
          }
        : {}),
    };
  }

  async function requireModel(model: string): Promise<void> {
    const what = `registered model \`${model}\``;
    const { data, error, response } = await api.GET('/registered-models/get', {
      params: { query: { name: model } },
    });
    if (error !== undefined || !data) {
      if (failure(what, response.status, error) === 'missing') {
        throw new UsageError(`${server} has no registered model \`${printable(model)}\``, {
          place: { key: 'baseline' },
          hint: 'check the name (it is case-sensitive; the MLflow UI lists registered models under "Models")',
        });
      }
    }
  }

  async function getVersion(model: string, version: string): Promise<ModelVersionRef | undefined> {
    const what = `version ${version} of \`${model}\``;
    const { data, error, response } = await api.GET('/model-versions/get', {
      params: { query: { name: model, version } },
    });
    if (error !== undefined || !data) {
      failure(what, response.status, error);
      await requireModel(model);
      return undefined;
    }
    return versionRef(data.model_version, what);
  }

  async function runInfo(runId: string): Promise<Schemas['Run'] | undefined> {
    const what = `run ${runId}`;
    const { data, error, response } = await api.GET('/runs/get', {
      params: { query: { run_id: runId } },
    });
    if (error !== undefined || !data) {
      // MLflow answers an unknown run id with 404 RESOURCE_DOES_NOT_EXIST; some with 400.
      if (response.status === 400 && /not found|does not exist/i.test(error?.message ?? ''))
        return undefined;
      failure(what, response.status, error);
      return undefined;
    }
    if (!data.run?.info) throw new InfraError(`${server}: ${what} answered without a run`);
    return data.run;
  }

  function runUrl(run: Schemas['Run']): string | undefined {
    const info = run.info;
    if (!config.uiUrl || !info?.run_id || !info.experiment_id) return undefined;
    return `${config.uiUrl}/#/experiments/${encodeURIComponent(info.experiment_id)}/runs/${encodeURIComponent(info.run_id)}`;
  }

  async function readRun(runId: string): Promise<RunMetrics | undefined> {
    const run = await runInfo(runId);
    return run && runMetrics(run, runId);
  }

  function runMetrics(run: Schemas['Run'], runId: string): RunMetrics {
    const url = runUrl(run);
    return {
      values: latest(run.data?.metrics ?? []),
      source: `run ${runId}`,
      runId,
      ...(run.info?.run_name ? { runName: run.info.run_name } : {}),
      ...(url ? { url } : {}),
    };
  }

  async function loggedModelMetrics(
    version: ModelVersionRef,
  ): Promise<RegistryMetrics | undefined> {
    if (!version.modelId) return undefined;
    const what = `logged model ${version.modelId}`;
    const { data, error, response } = await api.GET('/logged-models/{model_id}', {
      params: { path: { model_id: version.modelId } },
    });
    if (error !== undefined || !data) {
      // A server without MLflow 3's logged models (older, GitLab) has no such endpoint, and a
      // logged model may be gone: either way the run's metrics stand in.
      if (error?.error_code === ENDPOINT_NOT_FOUND) return undefined;
      failure(what, response.status, error);
      return undefined;
    }
    return data.model && fromLoggedModel(data.model, version.modelId, '');
  }

  /** A logged model's metrics (undefined when it has none: its run's stand in). */
  function fromLoggedModel(
    model: Schemas['LoggedModel'],
    modelId: string,
    how: string,
  ): RegistryMetrics | undefined {
    const values = latest(model.data?.metrics ?? []);
    if (values.size === 0) return undefined;
    const info = model.info;
    const url =
      config.uiUrl && info?.experiment_id
        ? `${config.uiUrl}/#/experiments/${encodeURIComponent(info.experiment_id)}/models/${encodeURIComponent(modelId)}`
        : undefined;
    return {
      values,
      source: `logged model ${modelId}${how}`,
      ...(info?.source_run_id ? { runId: info.source_run_id } : {}),
      ...(url ? { url } : {}),
    };
  }

  /**
   * A version without `model_id` (registered from `runs:/<run>/<path>` or the run's artifact
   * folder, or by MLflow 2) whose run logged an MLflow 3 model under that path: the logged model
   * MLflow itself would register, found as MLflow's client finds it (`logged-models/search` by
   * name in the run's experiment, then by source run; of several, the one logged at the latest
   * step). Undefined when there is none, or the server has no logged models.
   */
  async function runLoggedModel(
    version: ModelVersionRef,
    run: Schemas['Run'],
  ): Promise<RegistryMetrics | undefined> {
    const runId = run.info?.run_id;
    const experimentId = run.info?.experiment_id;
    const name = loggedModelName(version, run);
    if (config.flavour === 'gitlab' || !runId || !experimentId || !name) return undefined;
    const what = `the logged models of run ${runId}`;
    const found: Schemas['LoggedModel'][] = [];
    let pageToken: string | undefined;
    // Bounded: 5 pages of 100 models of one name is more than one run logs.
    for (let page = 0; page < 5; page += 1) {
      const { data, error, response } = await api.POST('/logged-models/search', {
        body: {
          experiment_ids: [experimentId],
          filter: `name = '${name}'`,
          max_results: 100,
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      if (error !== undefined || !data) {
        // A server without MLflow 3's logged models (MLflow 2) has no such endpoint.
        if (error?.error_code === ENDPOINT_NOT_FOUND) return undefined;
        failure(what, response.status, error);
        return undefined;
      }
      found.push(...(data.models ?? []).filter((model) => model.info?.source_run_id === runId));
      pageToken = data.next_page_token || undefined;
      if (!pageToken) break;
    }
    const steps = new Map(
      (run.outputs?.model_outputs ?? []).map((output) => [
        output.model_id,
        numeric(output.step as unknown) ?? 0,
      ]),
    );
    const rank = (model: Schemas['LoggedModel']) => [
      steps.get(model.info?.model_id) ?? -1,
      numeric(model.info?.creation_timestamp_ms as unknown) ?? 0,
    ];
    const best = found
      .filter((model) => model.info?.model_id)
      .sort((a, b) => {
        const [sa, ta] = rank(a);
        const [sb, tb] = rank(b);
        return sb! - sa! || tb! - ta!;
      })[0];
    if (!best) return undefined;
    return fromLoggedModel(
      best,
      best.info!.model_id!,
      ` (logged by run ${runId} as \`${name}\`; the version has no model_id)`,
    );
  }

  /**
   * The segments of a run's `mlflow-artifacts:` root (undefined when the run is gone); a root
   * elsewhere (s3://, a local path) or one that climbs out is exit 3: sluice cannot read it.
   */
  async function proxiedRoot(runId: string, what: string): Promise<string[] | undefined> {
    const run = await runInfo(runId);
    if (!run) return undefined;
    const root = run.info?.artifact_uri ?? '';
    const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(root);
    const tail = match?.[1]?.replace(/\/+$/, '') ?? '';
    if (!match || (tail !== '' && artifactPathProblem(tail) !== undefined)) {
      throw new InfraError(
        `${server} has no artifact download route (/get-artifact) for ${what}, and the run's artifacts are at ${snippet(root, masker) || '(no artifact root)'}, which it does not proxy`,
        {
          hint: 'download the file yourself and give `baseline-predictions: <file>`',
        },
      );
    }
    return tail === '' ? [] : tail.split('/');
  }

  return {
    name: server,

    async resolveAlias(model, alias) {
      if (config.flavour === 'gitlab') {
        if (!/^[0-9]+$/.test(alias)) {
          throw new UsageError(`${GITLAB_NO_ALIASES}, and \`${printable(alias)}\` is not one`, {
            place: { key: 'baseline' },
            hint: `name the version: \`mlflow:${printable(model)}/<version>\` (or \`mlflow:${printable(model)}@<version>\`)`,
          });
        }
        const found = await getVersion(model, alias);
        return (
          found && {
            ...found,
            note: `${GITLAB_NO_ALIASES}: \`@${alias}\` was read as version ${alias}.`,
          }
        );
      }
      const what = `alias \`${alias}\` of \`${model}\``;
      const { data, error, response } = await api.GET('/registered-models/alias', {
        params: { query: { name: model, alias } },
      });
      if (error !== undefined || !data) {
        // MLflow answers an unknown alias with 400 INVALID_PARAMETER_VALUE "… alias … not found".
        const aliasMissing =
          response.status === 400 &&
          error?.error_code === 'INVALID_PARAMETER_VALUE' &&
          /alias/i.test(error.message ?? '') &&
          /not found|does not exist/i.test(error.message ?? '');
        if (!aliasMissing) failure(what, response.status, error);
        await requireModel(model);
        return undefined;
      }
      return versionRef(data.model_version, what);
    },

    getVersion,

    async readMetrics(version) {
      const logged = await loggedModelMetrics(version);
      if (logged) return logged;
      if (!version.runId) return { values: new Map(), source: 'nothing (the version has no run)' };
      const run = await runInfo(version.runId);
      if (!run) {
        return { values: new Map(), source: `nothing (its run ${version.runId} no longer exists)` };
      }
      if (!version.modelId) {
        const found = await runLoggedModel(version, run);
        if (found) return found;
      }
      return runMetrics(run, version.runId);
    },

    readRun,

    async metricHistory(runId, key) {
      const what = `the history of \`${key}\` in run ${runId}`;
      const points: { step: number; value: number; time: number }[] = [];
      let pageToken: string | undefined;
      // Bounded: 10 pages of 1,000 values is more than any chart shows.
      for (let page = 0; page < 10; page += 1) {
        const { data, error, response } = await api.GET('/metrics/get-history', {
          params: {
            query: {
              run_id: runId,
              metric_key: key,
              max_results: 1000,
              ...(pageToken ? { page_token: pageToken } : {}),
            },
          },
        });
        if (error !== undefined || !data) {
          failure(what, response.status, error);
          return [];
        }
        for (const metric of data.metrics ?? []) {
          const value = numeric(metric.value as unknown);
          if (value === undefined) continue;
          points.push({
            step: numeric(metric.step as unknown) ?? 0,
            value,
            time: numeric(metric.timestamp as unknown) ?? 0,
          });
        }
        pageToken = data.next_page_token || undefined;
        if (!pageToken) break;
      }
      points.sort((a, b) => a.step - b.step || a.time - b.time);
      return points.map(({ step, value }) => ({ step, value }));
    },

    async earlierVersions(version, count) {
      const what = `versions of \`${version.model}\``;
      const { data, error, response } = await api.GET('/model-versions/search', {
        params: {
          query: {
            filter: `name = '${version.model.replace(/'/g, "\\'")}'`,
            max_results: 200,
          },
        },
      });
      if (error !== undefined || !data) {
        failure(what, response.status, error);
        return [];
      }
      const current = Number(version.version);
      return (data.model_versions ?? [])
        .map((raw) => versionRef(raw, what))
        .filter((ref) => Number(ref.version) < current)
        .sort((a, b) => Number(a.version) - Number(b.version))
        .slice(-count);
    },

    async tagVersion(version, tags) {
      for (const [key, value] of Object.entries(tags)) {
        const what = `tag \`${key}\` on version ${version.version} of \`${version.model}\``;
        const { error, response } = await api.POST('/model-versions/set-tag', {
          body: { name: version.model, version: version.version, key, value },
        });
        if (error !== undefined && failure(what, response.status, error) === 'missing') {
          throw new UsageError(
            `${server} has no version ${printable(version.version)} of \`${printable(version.model)}\` to tag`,
            { hint: 'check the model name and version' },
          );
        }
      }
    },

    async untagVersion(version, key) {
      const what = `tag \`${key}\` of version ${version.version} of \`${version.model}\``;
      // MLflow answers 200 for a tag the version does not have.
      const { error, response } = await api.DELETE('/model-versions/delete-tag', {
        body: { name: version.model, version: version.version, key },
      });
      if (error !== undefined && failure(what, response.status, error) === 'missing') {
        throw new UsageError(
          `${server} has no version ${printable(version.version)} of \`${printable(version.model)}\` to untag`,
          { hint: 'check the model name and version' },
        );
      }
    },

    async downloadArtifact(runId, artifactPath, to, maxBytes) {
      const what = `artifact \`${artifactPath}\` of run ${runId}`;
      // GitLab's MLflow API has no /get-artifact (it answers an unknown route with its own JSON
      // 404, which would read as a missing file): there the proxy route is asked at once.
      const direct =
        config.flavour === 'gitlab'
          ? undefined
          : await files.GET('/get-artifact', {
              params: { query: { run_id: runId, path: artifactPath } },
              parseAs: 'stream',
            });
      // A 404 without MLflow's error code is a route the server lacks, not a missing file.
      const noRoute =
        !direct ||
        direct.error?.error_code === ENDPOINT_NOT_FOUND ||
        (direct.response.status === 404 && !direct.error?.error_code);
      let answer = direct;
      if (noRoute) {
        // The artifact proxy's route, under the run's `mlflow-artifacts:` root.
        const root = await proxiedRoot(runId, what);
        if (root === undefined) return undefined;
        answer = await proxied.GET('/mlflow-artifacts/artifacts/{artifact_path}', {
          params: { path: { artifact_path: [...root, ...artifactPath.split('/')].join('/') } },
          // Each segment encoded, the `/` between them kept: the route takes a path.
          pathSerializer: (pathname, params) =>
            pathname.replace(
              '{artifact_path}',
              String(params['artifact_path']).split('/').map(encodeURIComponent).join('/'),
            ),
          parseAs: 'stream',
        });
      }
      const { data, error, response } = answer!;
      if (error !== undefined || !data) {
        if (response.status === 400 && error?.error_code === 'INVALID_PARAMETER_VALUE') {
          throw new UsageError(
            `${server} refused ${what}: ${snippet(error.message ?? '', masker) || 'invalid path'}`,
            {
              place: { key: 'baseline-predictions' },
              hint: "name one file of the run's artifacts (the MLflow UI lists them on the run's Artifacts tab)",
            },
          );
        }
        if (failure(what, response.status, error) === 'missing') return undefined;
        return undefined;
      }
      const bytes = await streamToFile(data, to, maxBytes, idleMs, () => {
        throw new UsageError(
          `${what} in ${server} is larger than ${maxBytes.toLocaleString('en-US')} bytes: not downloaded`,
          {
            place: { key: 'baseline-predictions' },
            hint: 'log a smaller predictions file (Parquet is smaller than CSV), or download it yourself and give `baseline-predictions: <file>`',
          },
        );
      }).catch((caught: unknown) => {
        if (caught instanceof UsageError) throw caught;
        throw new InfraError(
          `${server}: reading ${what} failed: ${snippet(caught instanceof Error ? caught.message : String(caught), masker)}`,
          { cause: caught },
        );
      });
      return { bytes };
    },

    async findRunsByCommit(experiment, commit, limit) {
      const found = await api.GET('/experiments/get-by-name', {
        params: { query: { experiment_name: experiment } },
      });
      if (found.error !== undefined || !found.data) {
        failure(`experiment \`${experiment}\``, found.response.status, found.error);
        return undefined;
      }
      const experimentId = found.data.experiment?.experiment_id;
      if (!experimentId) {
        throw new InfraError(`${server}: experiment \`${experiment}\` answered without its id`);
      }
      const what = `runs of experiment \`${experiment}\` at commit ${commit}`;
      const { data, error, response } = await api.POST('/runs/search', {
        body: {
          experiment_ids: [experimentId],
          filter: `tags.\`mlflow.source.git.commit\` = '${commit.replace(/'/g, '')}'`,
          run_view_type: 'ACTIVE_ONLY',
          max_results: limit,
          order_by: ['attributes.start_time DESC'],
        },
      });
      if (error !== undefined || !data) {
        failure(what, response.status, error);
        return [];
      }
      return (data.runs ?? []).flatMap((run) => {
        const runId = run.info?.run_id;
        if (!runId) return [];
        const url = runUrl(run);
        return [
          {
            runId,
            ...(run.info?.run_name ? { runName: run.info.run_name } : {}),
            ...(url ? { url } : {}),
          },
        ];
      });
    },

    async setAlias(model, alias, version) {
      if (config.flavour === 'gitlab') {
        throw new UsageError(
          `${GITLAB_NO_ALIASES}: sluice cannot move \`${printable(alias)}\` there`,
          {
            hint: 'tag the version instead, or keep the champion in an MLflow server with aliases',
          },
        );
      }
      const what = `alias \`${alias}\` → version ${version} of \`${model}\``;
      const { error, response } = await api.POST('/registered-models/alias', {
        body: { name: model, alias, version },
      });
      if (error !== undefined && failure(what, response.status, error) === 'missing') {
        throw new UsageError(
          `${server} has no version ${printable(version)} of \`${printable(model)}\``,
          {
            hint: 'check the model name and version',
          },
        );
      }
    },

    async deleteAlias(model, alias) {
      if (config.flavour === 'gitlab') {
        throw new UsageError(
          `${GITLAB_NO_ALIASES}: sluice cannot remove \`${printable(alias)}\` there`,
          { hint: 'leave out the alias input for a GitLab-hosted registry' },
        );
      }
      const what = `alias \`${alias}\` of \`${model}\``;
      // MLflow answers 200 for an alias the model does not have.
      const { error, response } = await api.DELETE('/registered-models/alias', {
        body: { name: model, alias },
      });
      if (error !== undefined && failure(what, response.status, error) === 'missing') {
        throw new UsageError(`${server} has no registered model \`${printable(model)}\``, {
          hint: 'check the model name (it is case-sensitive)',
        });
      }
    },
  };
}

/**
 * The name a version's logged model has: the artifact path in its source (`runs:/<run>/<path>`,
 * or `<the run's artifact root>/<path>`), which MLflow 3's `log_model(name=…)` makes the logged
 * model's name. Undefined when the source names none, or a name the search filter cannot quote.
 */
function loggedModelName(
  version: ModelVersionRef,
  run: components['schemas']['Run'],
): string | undefined {
  const source = version.source ?? '';
  const runId = run.info?.run_id ?? '';
  const root = (run.info?.artifact_uri ?? '').replace(/\/+$/, '');
  let path: string | undefined;
  if (source.startsWith(`runs:/${runId}/`)) path = source.slice(`runs:/${runId}/`.length);
  else if (root && source.startsWith(`${root}/`)) path = source.slice(root.length + 1);
  path = path?.replace(/^\/+|\/+$/g, '');
  // eslint-disable-next-line no-control-regex
  if (!path || path.length > 256 || /['"\\`\u0000-\u001f\u007f]/.test(path)) return undefined;
  return path;
}

/**
 * Writes a download's body to `to` as it arrives: at most `maxBytes` (past it the file is
 * removed and `tooLarge` throws), no silence longer than `idleMs`. Returns the bytes written.
 */
async function streamToFile(
  body: ReadableStream<Uint8Array>,
  to: string,
  maxBytes: number,
  idleMs: number,
  tooLarge: () => never,
): Promise<number> {
  const reader = body.getReader();
  const file = await open(to, 'wx');
  let size = 0;
  let done = false;
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`nothing more arrived within ${idleMs / 1000} s`)),
          idleMs,
        );
      });
      const chunk = await Promise.race([reader.read(), silence]).finally(() => clearTimeout(timer));
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxBytes) tooLarge();
      await file.write(chunk.value);
    }
    done = true;
    return size;
  } finally {
    await file.close();
    if (!done) {
      await reader.cancel().catch(() => undefined);
      await rm(to, { force: true });
    }
  }
}

/**
 * The latest value per key: the highest step, then the latest timestamp (as MLflow shows them).
 * MLflow writes NaN and infinities as strings (`"NaN"`, `"-Infinity"`); anything else that is
 * not a number is left out. Steps and timestamps may come as numbers or as text.
 */
function latest(metrics: readonly Metric[]): Map<string, number> {
  const best = new Map<string, { value: number; step: number; time: number }>();
  for (const metric of metrics) {
    if (typeof metric.key !== 'string' || metric.key === '') continue;
    const value = numeric(metric.value as unknown);
    if (value === undefined) continue;
    const step = numeric(metric.step as unknown) ?? 0;
    const time = numeric(metric.timestamp as unknown) ?? 0;
    const seen = best.get(metric.key);
    if (!seen || step > seen.step || (step === seen.step && time >= seen.time)) {
      best.set(metric.key, { value, step, time });
    }
  }
  return new Map([...best].map(([key, { value }]) => [key, value]));
}

function numeric(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string') return undefined;
  if (raw === 'NaN') return Number.NaN;
  if (raw === 'Infinity') return Number.POSITIVE_INFINITY;
  if (raw === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

function authKey(config: MlflowConfig): string {
  return config.auth.kind === 'basic' ? 'MLFLOW_TRACKING_USERNAME' : 'MLFLOW_TRACKING_TOKEN';
}
