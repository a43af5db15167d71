/**
 * Where the MLflow tracking server is and how to sign in, from MLflow's own environment
 * variables (read by the app, passed here as a record): MLFLOW_TRACKING_URI, then
 * MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (basic) or MLFLOW_TRACKING_TOKEN (bearer),
 * as MLflow's Python client reads them (basic wins when both are set). `databricks` takes
 * DATABRICKS_HOST and DATABRICKS_TOKEN. GitLab's MLflow-compatible API is recognised by its path.
 */
import { UsageError } from '../../core/errors.js';

export type MlflowAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export type MlflowFlavour = 'mlflow' | 'gitlab' | 'databricks';

export interface MlflowConfig {
  /** The tracking server's root, without a trailing slash (`/api/2.0/mlflow` is appended). */
  baseUrl: string;
  flavour: MlflowFlavour;
  auth: MlflowAuth;
  /** How errors and reports name it: `MLflow at mlflow.example.com`. */
  name: string;
  /** The root of the web UI links point into; undefined where sluice cannot build them. */
  uiUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const GITLAB_PATH = /\/api\/v4\/projects\/[^/]+\/ml\/mlflow$/;

function value(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

/** The secrets a config holds, in the forms to register with the masker. */
export function mlflowSecrets(env: Env): string[] {
  const secrets: string[] = [];
  const password = value(env, 'MLFLOW_TRACKING_PASSWORD');
  const username = value(env, 'MLFLOW_TRACKING_USERNAME');
  if (password) secrets.push(password);
  if (password && username) secrets.push(`${username}:${password}`);
  for (const name of ['MLFLOW_TRACKING_TOKEN', 'DATABRICKS_TOKEN']) {
    const token = value(env, name);
    if (token) secrets.push(token);
  }
  return secrets;
}

export function mlflowConfig(env: Env): MlflowConfig {
  const raw = value(env, 'MLFLOW_TRACKING_URI');
  if (!raw) {
    throw new UsageError('MLflow baselines need MLFLOW_TRACKING_URI, which is not set', {
      place: { key: 'MLFLOW_TRACKING_URI' },
      hint: 'set MLFLOW_TRACKING_URI to the tracking server (e.g. https://mlflow.example.com), and MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD when it asks for them',
    });
  }
  let base = raw;
  let flavour: MlflowFlavour = 'mlflow';
  let auth = authOf(env);
  if (raw === 'databricks' || raw.startsWith('databricks://')) {
    const host = value(env, 'DATABRICKS_HOST');
    const token = value(env, 'DATABRICKS_TOKEN');
    if (!host || !token) {
      throw new UsageError(
        'MLFLOW_TRACKING_URI is `databricks`, but DATABRICKS_HOST or DATABRICKS_TOKEN is not set',
        {
          place: { key: 'MLFLOW_TRACKING_URI' },
          hint: 'set DATABRICKS_HOST (https://<workspace>.cloud.databricks.com) and DATABRICKS_TOKEN; sluice reads no Databricks config file',
        },
      );
    }
    base = host.includes('://') ? host : `https://${host}`;
    flavour = 'databricks';
    auth = { kind: 'bearer', token };
  }
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `MLFLOW_TRACKING_URI must be an http(s) URL of a tracking server, not \`${url.protocol === 'invalid:' ? 'unparseable text' : url.protocol}\``,
      {
        place: { key: 'MLFLOW_TRACKING_URI' },
        hint: 'sluice reads the registry over REST: start `mlflow server` and give its URL (a local `file:`/`sqlite:` store is not reachable from here)',
      },
    );
  }
  if (url.username || url.password) {
    throw new UsageError('MLFLOW_TRACKING_URI must not carry a user name or password', {
      place: { key: 'MLFLOW_TRACKING_URI' },
      hint: 'put them in MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (masked in every log)',
    });
  }
  url.search = '';
  url.hash = '';
  const baseUrl = url.toString().replace(/\/+$/, '');
  if (flavour === 'mlflow' && GITLAB_PATH.test(url.pathname.replace(/\/+$/, ''))) {
    flavour = 'gitlab';
  }
  const host = url.host;
  const name =
    flavour === 'gitlab'
      ? `GitLab's MLflow API at ${host}`
      : flavour === 'databricks'
        ? `Databricks MLflow at ${host}`
        : `MLflow at ${host}`;
  return { baseUrl, flavour, auth, name, ...(flavour === 'mlflow' ? { uiUrl: baseUrl } : {}) };
}

function authOf(env: Env): MlflowAuth {
  const username = value(env, 'MLFLOW_TRACKING_USERNAME');
  const password = value(env, 'MLFLOW_TRACKING_PASSWORD');
  if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      throw new UsageError(
        `MLFLOW_TRACKING_${username === undefined ? 'USERNAME' : 'PASSWORD'} is not set, but MLFLOW_TRACKING_${username === undefined ? 'PASSWORD' : 'USERNAME'} is`,
        {
          place: {
            key: username === undefined ? 'MLFLOW_TRACKING_USERNAME' : 'MLFLOW_TRACKING_PASSWORD',
          },
          hint: 'basic auth needs both; for a token use MLFLOW_TRACKING_TOKEN alone',
        },
      );
    }
    return { kind: 'basic', username, password };
  }
  const token = value(env, 'MLFLOW_TRACKING_TOKEN');
  return token ? { kind: 'bearer', token } : { kind: 'none' };
}
