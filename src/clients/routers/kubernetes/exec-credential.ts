/**
 * kubeconfig `exec` credential plugins (client.authentication.k8s.io v1 and v1beta1), run as
 * kubectl runs them: `command` with `args`, `env` over the environment, KUBERNETES_EXEC_INFO
 * describing the request (non-interactive), nothing on stdin; the ExecCredential printed on
 * stdout gives a bearer token or a client certificate. The credential is kept until its
 * `expirationTimestamp` and fetched again then, or when the API server answers 401 (once).
 * Bounded: a timeout, stdout read only up to MAX_CREDENTIAL_CHARS; failures are exit 3 naming
 * the command and the kubeconfig user, and never quote stdout (it may hold the token).
 */
import { InfraError, UsageError } from '../../../core/errors.js';
import { isProgramMissing } from '../../../core/exec/missing-program.js';
import type { Exec, SecretMasker } from '../../../core/ports.js';
import { bounded } from '../weights.js';

const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
/** How long a plugin may run: `aws eks get-token` and friends answer in a second or two. */
const DEFAULT_PLUGIN_TIMEOUT_MS = 30_000;
/** The most of a plugin's stdout parsed; an ExecCredential is a few KB. */
const MAX_CREDENTIAL_CHARS = 1024 * 1024;

/** A kubeconfig user's `exec` block, as validated. */
export interface ExecPluginConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: (typeof EXEC_API_VERSIONS)[number];
  installHint?: string;
  /** The kubeconfig user's name, for messages. */
  user: string;
  /** spec.cluster, when the kubeconfig sets provideClusterInfo. */
  cluster?: Record<string, unknown>;
}

/** What the plugin gave: a token, or a client certificate and key (PEM). */
export interface Credential {
  token?: string;
  cert?: string;
  key?: string;
}

/** Where a connection's credentials come from when they are not fixed. */
export interface CredentialSource {
  get(signal?: AbortSignal): Promise<Credential>;
  /** Forget the cached credential (the server answered 401). */
  invalidate(): void;
}

export interface ExecPluginDeps {
  /** The app's Exec port (execa); without one, execa is loaded here with the same bounds. */
  exec?: Exec;
  /** The token and key are registered here, so that no log or error shows them. */
  masker?: Pick<SecretMasker, 'add'>;
  timeoutMs?: number;
  now?: () => number;
}

type Entry = Record<string, unknown>;

/**
 * Validates a kubeconfig user's `exec` block; `fail` makes the UsageError naming the file.
 * A relative command with a slash is resolved against the kubeconfig's folder, as kubectl does.
 */
export function parseExecConfig(
  exec: unknown,
  user: string,
  resolve: (path: string) => string,
  fail: (why: string, hint?: string) => Error,
): ExecPluginConfig {
  const where = `user "${bounded(user, 80)}"`;
  if (!exec || typeof exec !== 'object' || Array.isArray(exec))
    throw fail(`has an exec entry for ${where} that is not a map`);
  const e = exec as Entry;
  if (typeof e.command !== 'string' || e.command.trim() === '')
    throw fail(`names no exec command for ${where}`);
  const apiVersion = e.apiVersion;
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecPluginConfig['apiVersion']))
    throw fail(
      `has exec apiVersion "${bounded(String(apiVersion), 80)}" for ${where}; sluice runs ${EXEC_API_VERSIONS.join(' and ')}`,
      'set users[].user.exec.apiVersion to client.authentication.k8s.io/v1 (regenerate the kubeconfig with your cloud CLI)',
    );
  if (e.interactiveMode === 'Always')
    throw fail(
      `has exec interactiveMode "Always" for ${where}: sluice runs without a terminal, so the plugin cannot ask for input`,
      'use a plugin mode that reads credentials from the environment (a CI token or a workload identity)',
    );
  const args = e.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))
    throw fail(`has exec args for ${where} that are not a list of strings`);
  const env: Record<string, string> = {};
  const list = e.env ?? [];
  if (!Array.isArray(list)) throw fail(`has exec env for ${where} that is not a list`);
  for (const item of list) {
    const { name, value } = (item ?? {}) as Entry;
    if (typeof name !== 'string' || typeof value !== 'string')
      throw fail(`has an exec env entry for ${where} without a string name and value`);
    env[name] = value;
  }
  const command =
    e.command.includes('/') && !e.command.startsWith('/') ? resolve(e.command) : e.command;
  return {
    command,
    args: args as string[],
    env,
    apiVersion: apiVersion as ExecPluginConfig['apiVersion'],
    user,
    ...(typeof e.installHint === 'string' ? { installHint: e.installHint } : {}),
  };
}

/** Runs the plugin on first use and again when its credential expires or is refused. */
export class ExecCredentialPlugin implements CredentialSource {
  private cached: { credential: Credential; expiresAt?: number } | undefined;
  private running: Promise<Credential> | undefined;

  constructor(
    private readonly config: ExecPluginConfig,
    private readonly routerName: string,
    private readonly deps: ExecPluginDeps = {},
  ) {}

  get(signal?: AbortSignal): Promise<Credential> {
    const now = this.deps.now?.() ?? Date.now();
    const cached = this.cached;
    if (cached && (cached.expiresAt === undefined || now < cached.expiresAt))
      return Promise.resolve(cached.credential);
    // Concurrent requests share one run of the plugin.
    this.running ??= this.run(signal).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private describe(): string {
    return `${this.routerName}: the exec credential plugin ${bounded(this.config.command, 200)} of kubeconfig user "${bounded(this.config.user, 80)}"`;
  }

  private async run(signal?: AbortSignal): Promise<Credential> {
    const c = this.config;
    const info = {
      apiVersion: c.apiVersion,
      kind: 'ExecCredential',
      spec: { interactive: false, ...(c.cluster ? { cluster: c.cluster } : {}) },
    };
    const timeoutMs = this.deps.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
    const exec =
      this.deps.exec ??
      (await import('../../exec/execa-exec.js')).createExecaExec({
        maxBuffer: MAX_CREDENTIAL_CHARS,
      });
    let stdout: string;
    try {
      ({ stdout } = await exec.run(c.command, c.args, {
        env: { ...c.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
        input: '',
        timeoutMs,
        ...(signal ? { signal } : {}),
      }));
    } catch (error) {
      if (signal?.aborted) throw error;
      if (isProgramMissing(error))
        throw new UsageError(`${this.describe()} is not installed or not on PATH`, {
          hint: c.installHint
            ? bounded(c.installHint.trim(), 500)
            : `install ${bounded(c.command, 200)}, or give the router server: and tokenFile:`,
          cause: error,
        });
      const why = bounded(error instanceof Error ? error.message : String(error), 700);
      throw new InfraError(`${this.describe()} failed: ${why}`, {
        hint: `run it by hand with KUBERNETES_EXEC_INFO set to see what it needs (kubectl runs it the same way)`,
      });
    }
    const credential = this.parse(stdout);
    return credential;
  }

  /** Reads the ExecCredential; errors say what is wrong, never what stdout held. */
  private parse(stdout: string): Credential {
    const bad = (why: string) =>
      new InfraError(`${this.describe()} printed ${why}`, {
        hint: 'a plugin must print one ExecCredential JSON object on stdout (kubectl reads the same)',
      });
    if (stdout.length > MAX_CREDENTIAL_CHARS)
      throw bad(`more than ${MAX_CREDENTIAL_CHARS} characters, not an ExecCredential`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw bad(`something that is not JSON (${stdout.length} characters, not shown)`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw bad('JSON that is not an ExecCredential object');
    const object = parsed as Entry;
    if (object.kind !== 'ExecCredential')
      throw bad(`kind "${bounded(String(object.kind), 60)}", not ExecCredential`);
    if (object.apiVersion !== this.config.apiVersion)
      throw bad(
        `apiVersion "${bounded(String(object.apiVersion), 80)}" where the kubeconfig asks for ${this.config.apiVersion}`,
      );
    const status = object.status;
    if (!status || typeof status !== 'object') throw bad('an ExecCredential without status');
    const s = status as Entry;
    const token = typeof s.token === 'string' && s.token !== '' ? s.token : undefined;
    const cert = typeof s.clientCertificateData === 'string' ? s.clientCertificateData : undefined;
    const key = typeof s.clientKeyData === 'string' ? s.clientKeyData : undefined;
    if (token === undefined && (cert === undefined || key === undefined))
      throw bad(
        'an ExecCredential with neither status.token nor status.clientCertificateData and clientKeyData',
      );
    let expiresAt: number | undefined;
    if (s.expirationTimestamp !== undefined && s.expirationTimestamp !== null) {
      expiresAt =
        typeof s.expirationTimestamp === 'string' ? Date.parse(s.expirationTimestamp) : NaN;
      if (Number.isNaN(expiresAt))
        throw bad(
          `an expirationTimestamp that is not a time (${bounded(String(s.expirationTimestamp), 40)})`,
        );
    }
    const masker = this.deps.masker;
    if (masker) {
      for (const secret of [token, key]) {
        if (secret === undefined) continue;
        masker.add(secret);
        const encoded = Buffer.from(secret).toString('base64');
        if (encoded !== secret) masker.add(encoded);
      }
    }
    const credential: Credential = token !== undefined ? { token } : { cert: cert!, key: key! };
    this.cached = { credential, ...(expiresAt !== undefined ? { expiresAt } : {}) };
    return credential;
  }
}
