import type { InputDef, InputValue } from '../../inputs/types.js';
import { UsageError } from '../errors.js';

/**
 * Inputs only the daemonless build reads, each with what does its job when a Dockerfile (or a
 * Compose project) builds the image: given with one, they would otherwise do nothing, silently.
 * Not `cache-dir`: it is sluice's cache folder for tools too (DuckDB), and the GitLab component
 * sets it for every job.
 */
const DAEMONLESS_ONLY: Readonly<Record<string, string>> = {
  base: 'FROM in the Dockerfile names the base image',
  code: 'COPY the code in the Dockerfile',
  'follow-links-outside':
    'Docker never follows a link out of the build context (COPY copies links as links)',
  'model-path': 'COPY the model to its place in the Dockerfile',
  'code-path': 'COPY the code to its place in the Dockerfile',
  entrypoint: 'ENTRYPOINT in the Dockerfile',
  cmd: 'CMD in the Dockerfile',
  env: 'ENV in the Dockerfile',
  port: 'EXPOSE in the Dockerfile',
  workdir: 'WORKDIR in the Dockerfile',
  user: 'USER in the Dockerfile',
  'compression-level': 'Docker compresses the layers it pushes itself',
  'insecure-registry':
    "list the registry in `insecure-registries` of the Docker engine's daemon.json (loopback registries need nothing)",
  parallel: '`docker push` uploads layers on its own (the engine’s `max-concurrent-uploads`)',
  'chunk-size': '`docker push` uploads layers on its own',
  attach:
    'push the image, then attach the files with `sluice push-image --from <tag> --to <tag> --attach <file>`',
};

/** With `compose-file`, the project's own `build:` settings decide these. */
const COMPOSE_OWNS: Readonly<Record<string, string>> = {
  context: 'the compose file names the build context (`build: context:`)',
};

/**
 * Refuses, in one UsageError naming every one of them, the inputs a Dockerfile or Compose build
 * would ignore. An input counts as given only when it differs from its default in
 * src/inputs/build-image.ts, so the action and the GitLab component, which pass every default
 * explicitly, are not refused (`declared`: the command's declarations, deps.def; without them
 * every input is compared with no default). The error's place is the first such input.
 */
export function refuseDaemonlessInputs(
  inputs: Readonly<Record<string, InputValue>>,
  builder: 'dockerfile' | 'compose-file',
  declared: readonly Pick<InputDef, 'name' | 'default'>[] = [],
): void {
  const owned =
    builder === 'compose-file' ? { ...DAEMONLESS_ONLY, ...COMPOSE_OWNS } : DAEMONLESS_ONLY;
  const defaults = new Map(declared.map((input) => [input.name, input.default]));
  // In the order the command declares them, as the error has always named them.
  const order = [...new Set([...declared.map((input) => input.name), ...Object.keys(owned)])];
  const given = order
    .filter((name) => name in owned && isGiven(inputs[name], defaults.get(name)))
    .map((name) => ({ name }));
  const first = given[0];
  if (!first) return;
  const names = given.map((input) => input.name);
  throw new UsageError(
    `with ${builder}, the Docker engine builds the image and does not use ${names.length === 1 ? 'the input' : 'the inputs'} ${names.join(', ')}`,
    {
      place: { key: first.name },
      hint: `${given.map((input) => `${input.name}: ${owned[input.name]}`).join('; ')}; or leave out ${builder} to build without a daemon.`,
    },
  );
}

/** `undefined`, `""` and `[]` are "not given", as the input parser reads them. */
function isGiven(value: InputValue, fallback: InputValue | readonly string[]): boolean {
  if (value === undefined || value === '') return false;
  if (Array.isArray(value)) {
    if (value.length === 0) return false;
    return !(
      Array.isArray(fallback) &&
      fallback.length === value.length &&
      value.every((item, index) => item === fallback[index])
    );
  }
  return value !== fallback;
}
