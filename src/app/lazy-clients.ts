import type {
  DockerEngine,
  Exec,
  GitReader,
  ModelRegistry,
  RegistryConnection,
  RegistryPort,
  SecretMasker,
} from '../core/ports.js';
import { mlflowSecrets } from '../clients/mlflow/config.js';

/**
 * Exec and git, loaded on first use: most runs never start a process, and loading
 * child_process (let alone execa) at start-up is time every action run pays (`npm run bench`).
 *
 * Two adapters behind the one port: execa for every program sluice starts through `deps.exec`
 * (docker, compose, model servers: killed on exit, after a timeout, on cancel), and the lean
 * child_process one for git, whose short reads sit on quality-gate's cold start, where execa
 * would add its own loading time (DEVELOPING.md, "Bundling").
 */
export function createLazyExec(masker?: Pick<SecretMasker, 'mask'>): Exec {
  let exec: Promise<Exec> | undefined;
  const get = () =>
    (exec ??= import('../clients/exec/execa-exec.js').then(({ createExecaExec }) =>
      createExecaExec(masker ? { masker } : {}),
    ));
  return { run: async (...args) => (await get()).run(...args) };
}

/** The lean child_process Exec; a call with a timeout or a signal goes to execa. */
function createLeanExec(masker?: Pick<SecretMasker, 'mask'>): Exec {
  let exec: Promise<Exec> | undefined;
  const get = () =>
    (exec ??= import('../clients/exec/node-exec.js').then(({ createNodeExec }) =>
      createNodeExec(masker ? { masker } : {}, async () => createLazyExec(masker)),
    ));
  return { run: async (...args) => (await get()).run(...args) };
}

export function lazyGitReader(cwd: string, masker?: Pick<SecretMasker, 'mask'>): GitReader {
  let reader: Promise<GitReader> | undefined;
  const get = () =>
    (reader ??= import('../clients/git/git-reader.js').then(({ createGitReader }) =>
      createGitReader(createLeanExec(masker), cwd),
    ));
  return {
    readFileAt: async (...args) => (await get()).readFileAt(...args),
    mergeBase: async (...args) => (await get()).mergeBase(...args),
    repoRelative: async (...args) => (await get()).repoRelative(...args),
    commitsTouching: async (...args) => (await get()).commitsTouching(...args),
  };
}

/**
 * The registry port (clients/oci), loaded on first use: only the image commands reach a
 * registry, and the OCI client must not weigh on the other commands' start.
 */
export function lazyRegistryPort(exec: Exec, masker?: SecretMasker): RegistryPort {
  let port: Promise<RegistryPort> | undefined;
  const get = () =>
    (port ??= import('../clients/oci/registry-port.js').then(({ createRegistryPort }) =>
      createRegistryPort(masker ? { exec, masker } : { exec }),
    ));
  return {
    connect(options) {
      let connection: Promise<RegistryConnection> | undefined;
      const open = () => (connection ??= get().then((registries) => registries.connect(options)));
      return {
        source: async (...args) => (await open()).source(...args),
        destination: async (...args) => (await open()).destination(...args),
      };
    },
    dockerConfigCredentials: async (...args) => (await get()).dockerConfigCredentials(...args),
  };
}

/** The Docker engine port (clients/docker), loaded on first use: only Dockerfile builds run it. */
export function lazyDockerEngine(exec: Exec): DockerEngine {
  let engine: Promise<DockerEngine> | undefined;
  const get = () =>
    (engine ??= import('../clients/docker/docker-engine.js').then(({ createDockerEngine }) =>
      createDockerEngine(exec),
    ));
  return { withLogins: async (scope, work) => (await get()).withLogins(scope, work) };
}

/**
 * The model registry (clients/mlflow), configured from MLflow's environment variables and
 * loaded on first use: only `mlflow:` baselines, candidates and write-back reach it. Its
 * secrets are registered with the masker at once, whether or not it is used.
 */
export function lazyModelRegistry(
  env: Readonly<Record<string, string | undefined>>,
  masker: SecretMasker,
): ModelRegistry {
  for (const secret of mlflowSecrets(env)) masker.add(secret);
  let registry: Promise<ModelRegistry> | undefined;
  const get = () =>
    (registry ??= Promise.all([
      import('../clients/mlflow/config.js'),
      import('../clients/mlflow/client.js'),
    ]).then(([{ mlflowConfig }, { createMlflowRegistry }]) =>
      createMlflowRegistry(mlflowConfig(env), { masker }),
    ));
  const host = (() => {
    try {
      return new URL(env.MLFLOW_TRACKING_URI ?? '').host;
    } catch {
      return undefined;
    }
  })();
  return {
    name: host ? `MLflow at ${host}` : 'MLflow',
    resolveAlias: async (...args) => (await get()).resolveAlias(...args),
    getVersion: async (...args) => (await get()).getVersion(...args),
    readMetrics: async (...args) => (await get()).readMetrics(...args),
    readRun: async (runId) => {
      const real = await get();
      return real.readRun ? real.readRun(runId) : undefined;
    },
    metricHistory: async (runId, key) => {
      const real = await get();
      return real.metricHistory ? real.metricHistory(runId, key) : [];
    },
    earlierVersions: async (version, count) => {
      const real = await get();
      return real.earlierVersions ? real.earlierVersions(version, count) : [];
    },
    tagVersion: async (...args) => (await get()).tagVersion(...args),
    setAlias: async (...args) => (await get()).setAlias(...args),
    deleteAlias: async (...args) => {
      const real = await get();
      if (!real.deleteAlias) throw new Error('the MLflow client has no deleteAlias');
      return real.deleteAlias(...args);
    },
    untagVersion: async (...args) => {
      const real = await get();
      if (!real.untagVersion) throw new Error('the MLflow client has no untagVersion');
      return real.untagVersion(...args);
    },
    downloadArtifact: async (...args) => {
      const real = await get();
      if (!real.downloadArtifact) throw new Error('the MLflow client has no downloadArtifact');
      return real.downloadArtifact(...args);
    },
    findRunsByCommit: async (...args) => {
      const real = await get();
      if (!real.findRunsByCommit) throw new Error('the MLflow client has no findRunsByCommit');
      return real.findRunsByCommit(...args);
    },
  };
}
