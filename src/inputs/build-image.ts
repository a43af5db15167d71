import type { CommandDef, InputDef, InputValuesOf } from './types.js';
import { REPORT_FILES_INPUT, REPORT_FORMATS, REPORT_OUTPUT } from './shared.js';

/** Registry access shared by build-image and push-image. */
export const registryInputs = [
  {
    name: 'registry-username',
    type: 'string',
    description:
      'Username for the destination registries. Without it, credentials come from the Docker config (`auths`, credential helpers), else access is anonymous. Source and base registries always take theirs from the Docker config.',
  },
  {
    name: 'registry-password',
    type: 'string',
    secret: true,
    description: 'Password or token for the destination registries (with `registry-username`).',
  },
  {
    name: 'docker-config',
    envFallback: 'DOCKER_CONFIG',
    type: 'string',
    description:
      'Folder holding the Docker `config.json` to read credentials from (default: `$DOCKER_CONFIG`, else `~/.docker`).',
  },
  {
    name: 'insecure-registry',
    type: 'list',
    description:
      'Registries (`host:port`) to reach over plain HTTP. Loopback registries always may; every other registry needs HTTPS unless listed here.',
  },
  {
    name: 'parallel',
    type: 'number',
    integer: true,
    min: 1,
    max: 64,
    default: 3,
    description: 'Blobs transferred at the same time.',
  },
  {
    name: 'network-timeout',
    type: 'number',
    default: 300,
    min: 1,
    // A day: past that a hung registry is not worth waiting for, and timers stay exact.
    max: 86_400,
    description:
      'Seconds one registry or token-service request may take, retries included, before the step fails (exit 3). A server silent for a fifth of this (at most 60 s) is retried; blob transfers have no total limit, only that silence limit.',
  },
  {
    name: 'chunk-size',
    type: 'number',
    min: 1,
    max: 4096,
    default: 16,
    description:
      'MiB per upload request for large blobs; an interrupted upload resumes from the last chunk the registry kept.',
  },
] as const satisfies readonly InputDef[];

/** The registry inputs as a command reads them, typed (the same in build-image and push-image). */
export type RegistryInputs = InputValuesOf<typeof registryInputs>;

/** Shared with push-image: ML attestations on the image digest. */
export const attachInput = {
  name: 'attach',
  type: 'list',
  description:
    'Files to attach to the pushed image as an OCI artifact (model card, gate and validation reports): through the referrers API where the registry has one, else the `sha256-<digest>` fallback tag. Needs a registry destination; every file is checked before anything is pushed.',
} as const satisfies InputDef;

/**
 * The opt-in to links that lead out of where they are, shared by build-image and push-image
 * (its name, type and default; each command says what it follows).
 */
export const followLinksOutside = {
  name: 'follow-links-outside',
  type: 'boolean',
  default: false,
} as const;

export const buildImage = {
  name: 'build-image',
  summary:
    'Build a model image without a daemon (reproducible layers, labels from git and the model) and push it.',
  inputs: [
    {
      name: 'base',
      type: 'string',
      default: 'scratch',
      description:
        'Base image: `scratch`, `<registry>/<repo>:<tag>` or `@sha256:…`, `oci:<dir>[:<tag>]`, `docker-archive:<path>[:<tag>]`, or `docker-daemon:<name>:<tag>` (the local engine, via `docker save`).',
    },
    {
      name: 'model',
      type: 'string',
      required: true,
      description:
        'Folder with the model files. Files of 64 MiB or more get a layer each, so unchanged weights keep their digest.',
    },
    {
      name: 'code',
      type: 'string',
      description: 'Folder with the serving code and config; one layer on top of the model.',
    },
    {
      ...followLinksOutside,
      description:
        'Pack what symbolic links in `model` and `code` point at when they lead outside their folder, and attach `attach` files that are links out of the working directory (a Hugging Face cache snapshot links to `../../blobs`). Off, such a link is refused (exit 2), so a link to a file on the runner (`/etc/shadow`, `~/.docker/config.json`) never ends up in an image. Links that stay inside the folder are always followed.',
    },
    {
      name: 'dockerfile',
      type: 'string',
      description:
        'Build with this Dockerfile through the Docker engine (BuildKit where present) instead of assembling the image without a daemon; same tags and labels.',
    },
    {
      name: 'compose-file',
      type: 'string',
      description:
        'Build a service of this Compose project through `docker compose` (v2) or `docker-compose` (v1), whichever exists, with the same tags and labels; the project keeps its own build settings.',
    },
    {
      name: 'service',
      type: 'string',
      description:
        'The Compose service to build (with `compose-file`; may be left out when the project has one service).',
    },
    {
      name: 'context',
      type: 'string',
      default: '.',
      description: 'Build context folder for `dockerfile`.',
    },
    {
      name: 'tag',
      type: 'list',
      description:
        'Image references to tag, e.g. `127.0.0.1:5000/team/model:1.2`; may repeat. Templates: `{sha}`, `{short-sha}`, `{branch}`, `{model-version}` (on a pull/merge request `{sha}` is the head commit; `{branch}` is the branch the CI names, the source branch of a pull/merge request, made a valid tag; a tag pipeline has none).',
    },
    {
      name: 'push',
      type: 'boolean',
      default: false,
      description: 'Push to the registries named by `tag`.',
    },
    {
      name: 'output',
      type: 'list',
      description:
        'Also write the image to `oci:<dir>[:<tag>]`, `docker-archive:<path>[:<name>:<tag>]` or `docker-daemon:<name>:<tag>` (the local engine, via `docker load`).',
    },
    {
      name: 'platform',
      type: 'string',
      default: 'linux/amd64',
      description:
        'Platform of the image: the one picked from a multi-platform base, and the one a single-platform base must have. With `compose-file`, the platform of services that set none (Compose v2 honours it only with BuildKit, else the build fails rather than make another platform).',
    },
    {
      name: 'model-path',
      type: 'string',
      default: '/opt/model',
      description: 'Where the model goes inside the image: an absolute path without `..`.',
    },
    {
      name: 'code-path',
      type: 'string',
      default: '/opt/app',
      description: 'Where the code goes inside the image.',
    },
    {
      name: 'entrypoint',
      type: 'string',
      description:
        'Entrypoint, as a JSON array (`["python","-m","serve"]`) or words split on spaces.',
    },
    {
      name: 'cmd',
      type: 'string',
      description:
        'Command (arguments to the entrypoint), as a JSON array or words split on spaces.',
    },
    {
      name: 'env',
      type: 'list',
      description:
        'Environment variables `NAME=value` (a valid variable name; the value may be empty); may repeat.',
    },
    {
      name: 'port',
      type: 'string',
      description:
        'Port the model server listens on, `N` or `N/tcp|udp` (1–65535), e.g. `8080` (exposed in the image config).',
    },
    {
      name: 'workdir',
      type: 'string',
      description: 'Working directory (default: `code-path` when `code` is given).',
    },
    { name: 'user', type: 'string', description: 'User the container runs as, e.g. `1000:1000`.' },
    { name: 'labels', type: 'list', description: 'Extra labels `key=value`; may repeat.' },
    { name: 'model-name', type: 'string', description: 'Model name, written to the image labels.' },
    {
      name: 'model-version',
      type: 'string',
      description:
        'Model version, written to the labels and usable as `{model-version}` in tags (default: the version `mlflow-model-version` resolves to).',
    },
    {
      name: 'mlflow-run-id',
      type: 'string',
      description: 'MLflow run that produced the model, written to the labels.',
    },
    {
      name: 'mlflow-model-version',
      type: 'string',
      description:
        'Opt-in lineage: the MLflow registered model version the image serves, `<model>/<version>` (e.g. `churn/7`) or `<model>@<alias>` (e.g. `churn@champion`: the version behind the alias; `models:/…` accepted). Read before the build (exit 2 when it does not exist): the labels name it (`io.sluice.model.mlflow-model`, `-version`, `-model-id`, and its run, name and version unless given), and `{model-version}` in `tag` is its version unless `model-version` is given. After the image is written, the version is tagged `sluice.image` (the references) and `sluice.image-digest`; a tag that fails after the push is exit 3 naming what was pushed. Reads `MLFLOW_TRACKING_URI` and its credentials.',
    },
    {
      name: 'metrics-file',
      type: 'string',
      description: 'Metrics file the model was gated on; its sha256 becomes a label.',
    },
    {
      name: 'dataset-file',
      type: 'string',
      description:
        'Dataset (or its manifest) the model was trained on; its sha256 becomes a label.',
    },
    {
      name: 'source-date-epoch',
      envFallback: 'SOURCE_DATE_EPOCH',
      type: 'number',
      integer: true,
      min: 0,
      // 9999-12-31T23:59:59Z: the last second an image's RFC 3339 `created` can say.
      max: 253_402_300_799,
      description:
        'Seconds since 1970 written as the image creation time (default: `$SOURCE_DATE_EPOCH`, else the commit time). Never the clock, so rebuilds give the same digest.',
    },
    {
      name: 'cache-dir',
      type: 'string',
      role: 'cache-dir',
      description:
        'Where layer digests are remembered between builds, so unchanged weights are not read again (default: `~/.cache/sluice`; `none` disables it).',
    },
    {
      name: 'compression-level',
      type: 'number',
      integer: true,
      min: 1,
      max: 9,
      default: 1,
      description:
        'gzip level (1–9) of the small-files and code layers; large files are stored uncompressed.',
    },
    attachInput,
    ...registryInputs,
    {
      name: 'format',
      type: 'choice',
      options: REPORT_FORMATS,
      default: 'terminal',
      description:
        'What goes to standard output; `json` prints `{"digest","image","size","layers"}` (plus the report).',
    },
    REPORT_FILES_INPUT,
  ],
  outputs: [
    {
      name: 'digest',
      description: 'Manifest digest of the image (`sha256:…`), as the registry reports it.',
    },
    {
      name: 'image',
      description:
        'Where the image went: the first pushed tag, else the first `output`, else the manifest digest alone (written nowhere). Tags given without `push` are not pushed; the summary says so.',
    },
    REPORT_OUTPUT,
  ],
} as const satisfies CommandDef;
