import path from 'node:path';
import { InfraError, SluiceError, UsageError } from '../errors.js';
import type { rollout } from '../../inputs/rollout.js';
import type { InputsOf } from '../../inputs/types.js';
import type { DeployHost, DeploymentHandle, DeploymentState, TrafficRouter } from '../ports.js';
import type { RolloutEnv } from '../rollout/engine.js';
import type { Note } from '../report/model.js';
import {
  endChallenger,
  parseChallengerAlias,
  parsePromoteAlias,
  promoteAliasAfterRollout,
  recordedChallenger,
  setChallengerAlias,
} from './mlflow-alias.js';
import { readProgress } from '../rollout/engine.js';
import type { DeployConfig, ProviderConfig, RolloutSpec, RouterConfig } from '../rollout/model.js';
import { buildControlReport, buildRolloutReport } from '../rollout/report.js';
import {
  abortRollout,
  promoteRollout,
  rolloutStatus,
  runRollout,
  type ControlResult,
  type RolloutResult,
} from '../rollout/run.js';
import {
  loadRolloutSpec,
  parseRouterInput,
  parseStepsInput,
  specFromInputs,
  type SpecOverrides,
} from '../rollout/spec.js';
import { realSleep } from '../async/sleep.js';
import { describeContainers, runRolloutOnHost } from '../rollout/host.js';
import type { CommandDeps, CommandResult } from './types.js';

/** rollout's inputs, typed by its definition. */
export type RolloutInputs = InputsOf<typeof rollout>;

/**
 * `sluice rollout`: runs the rollout (exit 0 promoted, 1 rolled back by analysis, 2 bad spec,
 * 3 infrastructure after putting traffic back on stable), or `status`, `promote`, `abort`.
 */
export async function rolloutCommand(
  inputs: RolloutInputs,
  deps: CommandDeps,
): Promise<CommandResult> {
  const key = inputs['report-key'];
  const overrides: SpecOverrides = {
    ...(inputs.strategy ? { strategy: inputs.strategy } : {}),
    ...(inputs.router ? { router: parseRouterInput(inputs.router) } : {}),
    ...(inputs.stable ? { stable: inputs.stable } : {}),
    ...(inputs.canary ? { canary: inputs.canary } : {}),
    ...(inputs.steps ? { steps: parseStepsInput(inputs.steps) } : {}),
    ...(inputs['canary-image'] ? { canaryImage: inputs['canary-image'] } : {}),
  };
  // Parsed first: a malformed value is exit 2 before any traffic moves.
  const promoteAlias = inputs['mlflow-promote-alias']
    ? parsePromoteAlias(inputs['mlflow-promote-alias'])
    : undefined;
  const challenger = inputs['mlflow-challenger-alias']
    ? parseChallengerAlias(inputs['mlflow-challenger-alias'], promoteAlias)
    : undefined;
  const spec = await readSpec(inputs, overrides, deps, inputs.action === 'run');
  if (inputs.action === 'run') {
    const env = await environment(spec!.router, deps, {
      stable: spec!.stable.name,
      canary: spec!.canary.name,
      urls: versionUrls(spec!),
    });
    const notes: Note[] = [];
    if (challenger) {
      const said = await setChallengerAlias(challenger, deps.modelRegistry, deps.state);
      deps.logger.info(said);
      notes.push({ level: 'info', text: said });
    }
    let deployment: OpenDeployment | undefined;
    let result: RolloutResult;
    try {
      deployment = await startDeployment(inputs, spec!, deps, notes);
      result = spec!.deploy
        ? await runRolloutOnHost(spec!, env, await openHost(spec!.deploy, deps))
        : await runRollout(spec!, env);
    } catch (error) {
      // The rollout's own error stands; the challenger goes (or stays recorded for post:).
      if (challenger) {
        const note = await endChallenger(challenger, deps.modelRegistry, deps.state);
        deps.logger.warn(note.text);
      }
      throw error;
    }
    if (deployment) await finishDeployment(deployment, result, inputs, deps, notes);
    const report = buildRolloutReport(result, key);
    report.notes.push(...notes);
    if (promoteAlias) {
      // Traffic is settled (promoted or back on stable) before the registry is touched.
      const said = await promoteAliasAfterRollout(
        promoteAlias,
        result.outcome === 'promoted',
        deps.modelRegistry,
      );
      report.notes.push({ level: 'info', text: said });
    }
    // A paused rollout waits for `rollout promote|abort`, which remove it then.
    if (challenger && result.outcome !== 'paused') {
      report.notes.push(await endChallenger(challenger, deps.modelRegistry, deps.state));
    }
    return {
      report,
      ...(result.error ? { error: result.error } : {}),
    };
  }
  // status, promote, abort: the router the last rollout here used, else the spec's.
  const progress = await readProgress(deps.state);
  const routerConfig = progress?.router ?? spec?.router;
  if (!routerConfig) {
    if (inputs.action === 'abort') {
      return {
        report: buildControlReport(
          'abort',
          { outcome: 'nothing', message: 'no rollout was started here: nothing to abort' },
          key,
        ),
      };
    }
    throw new UsageError(`rollout ${inputs.action} needs to know the router`, {
      hint: 'give --spec rollout.yml or --router builtin:<admin url>, or run it where the rollout ran (its state)',
    });
  }
  const env = await environment(routerConfig, deps);
  const result =
    inputs.action === 'status'
      ? await rolloutStatus(env)
      : inputs.action === 'promote'
        ? await promoteRollout(env, spec ? { canary: spec.canary.name } : {})
        : await abortRollout(
            env,
            spec ? { stable: spec.stable.name, strategy: spec.strategy } : {},
          );
  if (inputs.action === 'abort') await removeLeftCanary(result, progress?.deploy, deps);
  deps.logger.info(result.message);
  const report = buildControlReport(inputs.action, result, key);
  if (promoteAlias && inputs.action !== 'status') {
    const said = await promoteAliasAfterRollout(
      promoteAlias,
      result.outcome === 'promoted',
      deps.modelRegistry,
    );
    report.notes.push({ level: 'info', text: said });
  }
  // The challenger this job set (else the input's) goes once the rollout is over.
  const ending = (await recordedChallenger(deps.state)) ?? challenger;
  if (ending && result.outcome !== 'status' && result.outcome !== 'promote-requested') {
    report.notes.push(await endChallenger(ending, deps.modelRegistry, deps.state));
  }
  return { report };
}

/** The post: step and GitLab's after_script: an unfinished rollout of this job goes back on stable. */
export async function rolloutPostCommand(
  inputs: RolloutInputs,
  deps: CommandDeps,
): Promise<CommandResult> {
  const progress = await readProgress(deps.state);
  // A challenger alias this job set and did not remove (killed, or the server was down).
  const challenger = await recordedChallenger(deps.state);
  if (!progress && !challenger) return {};
  let result: ControlResult | undefined;
  if (progress) {
    const env = await environment(progress.router, deps);
    result = await abortRollout(env);
    await removeLeftCanary(result, progress.deploy, deps);
    deps.logger.info(`rollout post: ${result.message}`);
  }
  const note = challenger && (await endChallenger(challenger, deps.modelRegistry, deps.state));
  if (note) deps.logger[note.level === 'warning' ? 'warn' : 'info'](`rollout post: ${note.text}`);
  // A rollout that ended (promoted or rolled back) already wrote its report, outputs, summary
  // and comment section under the same names: a report saying "nothing to abort" in their
  // place would turn a rolled-back canary green.
  if (!result || result.outcome === 'nothing') return {};
  const report = buildControlReport('abort', result, inputs['report-key']);
  if (note) report.notes.push(note);
  return { report };
}

async function openHost(config: DeployConfig, deps: CommandDeps): Promise<DeployHost> {
  if (!deps.deployHosts)
    throw new InfraError('deploy hosts are not wired into this run', {
      hint: 'a bug in the app wiring: report it',
    });
  return deps.deployHosts(config);
}

/**
 * `abort` and the post: step on a compose host: once all traffic is back on stable, the canary
 * service is removed too; what is left is said in the message.
 */
async function removeLeftCanary(
  result: ControlResult,
  deploy: DeployConfig | undefined,
  deps: CommandDeps,
): Promise<void> {
  if (!deploy || result.outcome !== 'aborted') return;
  const host = await openHost(deploy, deps);
  try {
    await host.removeCanary();
    result.message += `; the canary service ${host.canaryService} is removed`;
  } catch (error) {
    const now = await host.containers().then(describeContainers, () => 'unknown');
    throw new InfraError(
      `${result.message}, but removing the canary service ${host.canaryService} failed: ${error instanceof Error ? error.message : String(error)}; containers: ${now}`,
      { hint: 'remove it by hand (docker rm -f), or run `sluice rollout abort` again' },
    );
  }
}

/** An open deployment and what to call it in messages. */
interface OpenDeployment {
  handle: DeploymentHandle;
  environment: string;
}

/**
 * With an `environment`, records a deployment of the run's commit there (GitHub Deployments),
 * `in_progress` until the rollout ends. Whatever fails here is a warning: the record of where a
 * version is never stops (or fails) the rollout itself.
 */
async function startDeployment(
  inputs: RolloutInputs,
  spec: RolloutSpec,
  deps: CommandDeps,
  notes: Note[],
): Promise<OpenDeployment | undefined> {
  const environment = inputs.environment;
  if (!environment) return undefined;
  if (!deps.deployments) {
    deps.logger.debug(
      `environment ${environment}: ${deps.run.platform === 'gitlab' ? 'GitLab records the deployment from the job’s environment:' : 'this platform records no deployments'}`,
    );
    return undefined;
  }
  const warn = (text: string): undefined => {
    deps.logger.warn(text);
    notes.push({ level: 'warning', text });
    return undefined;
  };
  // The commit the author pushed: on a pull request the checkout is a merge commit.
  const ref = deps.run.changeRequest?.headSha ?? deps.run.commit?.sha;
  if (!ref)
    return warn(
      `no deployment to ${environment} recorded: the run names no commit (GITHUB_SHA is not set)`,
    );
  const url = inputs['environment-url'];
  if (url !== undefined && !/^https?:\/\/[^\s]+$/i.test(url)) {
    throw new UsageError(
      `input \`environment-url\`: ${JSON.stringify(url.slice(0, 100))} is not an http(s) URL`,
      { hint: 'give the address where the environment answers, e.g. https://models.example.com' },
    );
  }
  const description = `${spec.strategy} of ${spec.canary.name} against ${spec.stable.name}`;
  try {
    const opened = await deps.deployments({ token: inputs.token });
    if ('reason' in opened)
      return warn(`no deployment to ${environment} recorded: ${opened.reason}`);
    const handle = await opened.deployments.start({
      environment,
      ref,
      description,
      ...(url ? { url } : {}),
    });
    await handle.status('in_progress', {
      description: `${description}: rolling out`,
      ...(url ? { url } : {}),
    });
    deps.logger.info(`deployment ${handle.id} to ${environment}: in progress`);
    return { handle, environment };
  } catch (error) {
    return warn(`no deployment to ${environment} recorded: ${describeError(error)}`);
  }
}

/** The deployment's last status: success when promoted, failure (with the reason) otherwise. */
async function finishDeployment(
  deployment: OpenDeployment,
  result: RolloutResult,
  inputs: RolloutInputs,
  deps: CommandDeps,
  notes: Note[],
): Promise<void> {
  const { stable, canary } = result.spec;
  const [state, description]: [DeploymentState, string] =
    result.outcome === 'promoted'
      ? ['success', `${canary.name} promoted: all traffic on it`]
      : result.outcome === 'paused'
        ? ['in_progress', `${canary.name} paused: waiting for rollout promote`]
        : result.outcome === 'passed'
          ? // Not live: users stay on stable, so this deployment is not the environment's current one.
            [
              'inactive',
              `${canary.name} passed the shadow analysis, not promoted; all traffic on ${stable.name}`,
            ]
          : [
              'failure',
              `${result.outcome === 'rolled-back' ? 'rolled back' : 'aborted'}: ${result.reason}${result.error ? '' : `; all traffic on ${stable.name}`}`,
            ];
  const url = inputs['environment-url'];
  try {
    await deployment.handle.status(state, { description, ...(url ? { url } : {}) });
    deps.logger.info(
      `deployment ${deployment.handle.id} to ${deployment.environment}: ${state.replace('_', ' ')}`,
    );
  } catch (error) {
    const text = `the deployment to ${deployment.environment} could not be marked ${state}: ${describeError(error)}`;
    deps.logger.warn(text);
    notes.push({ level: 'warning', text });
  }
}

function describeError(error: unknown): string {
  if (error instanceof SluiceError)
    return error.hint ? `${error.message} (${error.hint})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

async function readSpec(
  inputs: RolloutInputs,
  overrides: SpecOverrides,
  deps: CommandDeps,
  required: boolean,
): Promise<RolloutSpec | undefined> {
  if (inputs.spec)
    return loadRolloutSpec(path.resolve(deps.run.cwd, inputs.spec), inputs.spec, overrides);
  if (
    !required &&
    (overrides.router === undefined ||
      (overrides.stable === undefined && overrides.canary === undefined))
  )
    return undefined;
  return specFromInputs(overrides);
}

/**
 * The router and the provider factory for one rollout. Providers learn which version is stable
 * and which the canary (Prometheus `{{stable}}`/`{{canary}}`, the replay's comparison side).
 */
async function environment(
  config: RouterConfig,
  deps: CommandDeps,
  versions?: { stable: string; canary: string; urls?: Record<string, string> },
): Promise<RolloutEnv> {
  if (!deps.routers || !deps.metrics) {
    throw new InfraError('routers and metrics providers are not wired into this run', {
      hint: 'a bug in the app wiring: report it',
    });
  }
  const router: TrafficRouter = await deps.routers(config);
  const metrics = deps.metrics;
  return {
    router,
    providers: (c) =>
      metrics(
        versions
          ? {
              ...withVersionEndpoints(c, versions.urls ?? {}),
              versions: { stable: versions.stable, canary: versions.canary },
            }
          : c,
      ),
    clock: deps.clock,
    sleep: deps.sleep ?? realSleep,
    logger: deps.logger,
    ...(deps.state ? { state: deps.state } : {}),
    signal: deps.signal ?? new AbortController().signal,
  };
}

/** version name → the `url` the spec gives it (where it answers directly). */
function versionUrls(spec: RolloutSpec): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const version of [spec.stable, spec.canary])
    if (version.url) urls[version.name] = version.url;
  return urls;
}

/**
 * A probe or replay provider reaches each version at its `endpoints` entry, else at the url the
 * spec gives the version (`stable: { name, url }`): what that url is for.
 */
export function withVersionEndpoints(
  config: ProviderConfig,
  urls: Record<string, string>,
): ProviderConfig {
  if (config.type === 'prometheus') return config;
  return { ...config, endpoints: { ...urls, ...config.endpoints } };
}
