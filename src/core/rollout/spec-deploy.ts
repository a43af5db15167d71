import path from 'node:path';
import { isSeq, type Node } from 'yaml';
import type { DeployConfig } from './model.js';
import type { YamlReader } from './yaml-reader.js';

/**
 * The `deploy:` of the rollout spec: where the versions run when sluice starts the canary itself.
 * One type so far, `compose` (a docker-compose project on one host):
 *
 *   deploy:
 *     type: compose
 *     files: [compose.yml]              # -f, in order (one file may be a string)
 *     project: models                   # -p
 *     service: model                    # the stable service
 *     image: acme/model:{{version}}     # the canary's image ({{version}}: the canary's name)
 *     canary:                           # how the canary service differs from the stable one
 *       service: model-canary           # default <service>-canary
 *       ports: ["127.0.0.1:8082:8080"]  # replaces the stable service's ports
 *       environment: { PORT: "8082" }   # merged over the stable service's
 *     health: { canary: http://127.0.0.1:8082/healthz, stable: http://127.0.0.1:8081/healthz, timeout: 2m }
 *     override: compose.sluice.yml      # the file sluice writes (default: beside the first file)
 */

export const DEPLOY_EXAMPLE =
  'deploy: { type: compose, files: [compose.yml], project: models, service: model, image: "acme/model:{{version}}" }';
const DEFAULT_HEALTH_TIMEOUT_MS = 120_000;
/** What compose accepts as a service name. */
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** What compose accepts as a project name (`-p`). */
const PROJECT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** An image reference: never an option, never whitespace. */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,254}$/;
/** A published port as compose writes it: `[ip:]host:container[/proto]`, or a bare port. */
const PORT =
  /^(\[?[0-9A-Fa-f.:]*\]?:)?(\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readDeploy(
  y: YamlReader,
  node: Node | null,
  at: string,
  versions: { canary: string; canaryImage?: string },
): DeployConfig {
  y.typeOf(node, at, ['compose'] as const);
  let files: string[] | undefined;
  let project: string | undefined;
  let service: string | undefined;
  let image: string | undefined;
  let imageNode: Node | null = null;
  let canaryService: string | undefined;
  let canaryPorts: string[] | undefined;
  let canaryEnvironment: Record<string, string> | undefined;
  let canaryHealthUrl: string | undefined;
  let stableHealthUrl: string | undefined;
  let healthTimeoutMs = DEFAULT_HEALTH_TIMEOUT_MS;
  let override: string | undefined;
  const name = (value: Node | null, p: string, pattern: RegExp, example: string, what: string) => {
    const text = y.string(value, p, example);
    if (!pattern.test(text))
      throw y.error(
        `${p} must be ${what}, not ${JSON.stringify(text.slice(0, 80))}`,
        value,
        p,
        `e.g. ${example}`,
      );
    return text;
  };
  for (const [key, value] of y.entries(
    node,
    at,
    ['type', 'files', 'project', 'service', 'image', 'canary', 'health', 'override'],
    DEPLOY_EXAMPLE,
  )) {
    const p = `${at}.${key}`;
    if (key === 'files') {
      files = isSeq(value)
        ? y.stringList(value, p, '[compose.yml, compose.prod.yml]')
        : [y.string(value, p, 'compose.yml')];
      if (files.length === 0 || files.some((f) => f.trim() === ''))
        throw y.error(`${p} names no file`, value, p, 'files: [compose.yml]');
    } else if (key === 'project')
      project = name(
        value,
        p,
        PROJECT,
        'models',
        'a compose project name (lower-case letters, digits, _ and -)',
      );
    else if (key === 'service')
      service = name(value, p, SERVICE, 'model', 'a compose service name');
    else if (key === 'image') {
      image = y.string(value, p, 'acme/model:{{version}}');
      imageNode = value;
    } else if (key === 'override') override = y.string(value, p, 'compose.sluice.yml');
    else if (key === 'canary') {
      for (const [k, v] of y.entries(
        value,
        p,
        ['service', 'ports', 'environment'],
        'canary: { service: model-canary, ports: ["127.0.0.1:8082:8080"] }',
      )) {
        const q = `${p}.${k}`;
        if (k === 'service')
          canaryService = name(v, q, SERVICE, 'model-canary', 'a compose service name');
        else if (k === 'ports') {
          canaryPorts = y.stringList(v, q, '["127.0.0.1:8082:8080"]');
          for (const port of canaryPorts)
            if (!PORT.test(port))
              throw y.error(
                `${q} has ${JSON.stringify(port.slice(0, 60))}, which is not a published port`,
                v,
                q,
                'write [ip:]host-port:container-port, e.g. "127.0.0.1:8082:8080"',
              );
        } else {
          canaryEnvironment = y.stringMap(v, q, '{ PORT: "8082" }');
          for (const variable of Object.keys(canaryEnvironment))
            if (!ENV_NAME.test(variable))
              throw y.error(
                `${q} has ${JSON.stringify(variable.slice(0, 60))}, which is not a variable name`,
                v,
                q,
                'letters, digits and _, e.g. PORT',
              );
        }
      }
    } else if (key === 'health') {
      for (const [k, v] of y.entries(
        value,
        p,
        ['canary', 'stable', 'timeout'],
        'health: { canary: http://127.0.0.1:8082/healthz, timeout: 2m }',
      )) {
        const q = `${p}.${k}`;
        if (k === 'canary') canaryHealthUrl = y.url(v, q);
        else if (k === 'stable') stableHealthUrl = y.url(v, q);
        else {
          healthTimeoutMs = y.duration(v, q);
          if (healthTimeoutMs <= 0) throw y.error(`${q} must be above 0`, v, q, 'timeout: 2m');
        }
      }
    }
  }
  y.required(files, node, `${at}.files`, '[compose.yml]');
  y.required(project, node, `${at}.project`, 'models (the compose project name, -p)');
  y.required(service, node, `${at}.service`, 'model (the stable service)');
  if (versions.canaryImage === undefined)
    y.required(image, node, `${at}.image`, '"acme/model:{{version}}" (or give --canary-image)');
  const canaryImage = versions.canaryImage ?? image!.replaceAll('{{version}}', versions.canary);
  if (!IMAGE.test(canaryImage))
    throw y.error(
      `the canary image ${JSON.stringify(canaryImage.slice(0, 120))} is not an image reference`,
      versions.canaryImage !== undefined ? null : imageNode,
      versions.canaryImage !== undefined ? 'canary-image' : `${at}.image`,
      'e.g. acme/model:{{version}} ({{version}} is the canary’s name) or registry.example/model:v2',
    );
  const canary = canaryService ?? `${service!}-canary`;
  if (canary === service)
    throw y.error(
      `${at}.canary.service must differ from ${at}.service`,
      node,
      `${at}.canary.service`,
      `e.g. ${service!}-canary`,
    );
  const firstFile = files![0]!;
  return {
    type: 'compose',
    files: files!,
    project: project!,
    service: service!,
    canaryService: canary,
    image: canaryImage,
    ...(canaryPorts ? { canaryPorts } : {}),
    ...(canaryEnvironment ? { canaryEnvironment } : {}),
    ...(canaryHealthUrl ? { canaryHealthUrl } : {}),
    ...(stableHealthUrl ? { stableHealthUrl } : {}),
    healthTimeoutMs,
    override: override ?? path.join(path.dirname(firstFile), 'compose.sluice.yml'),
  };
}
