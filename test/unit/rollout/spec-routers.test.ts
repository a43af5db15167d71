import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import type { RouterConfig } from '../../../src/core/rollout/model.js';
import { parseRolloutSpec, type SpecOverrides } from '../../../src/core/rollout/spec.js';
import { ROUTER_KEYS, routerCapabilities } from '../../../src/core/rollout/spec-routers.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { recordingLogger } from './fakes.js';

/** What each router can do, and which versions it knows, checked against the spec when it is read. */

function usage(text: string, overrides: SpecOverrides = {}): UsageError {
  try {
    parseRolloutSpec(text, 'rollout.yml', overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

const K8S = 'server: "https://127.0.0.1:6443", tokenFile: /tmp/t';
const SWITCH = `router: { type: service-switch, namespace: ml, service: model, selectorKey: version, deployments: { v1: m1, v2: m2 }, ${K8S} }\n`;
const NGINX = (servers: string, extra = '') =>
  `router: { type: nginx, upstreamFile: /tmp/u.conf, upstream: model, servers: ${servers}${extra} }\n`;

describe('rollout spec: the router against the strategy and the versions', () => {
  it('refuses canary weights on a router that only switches, before contacting it', () => {
    const defaults = usage(`strategy: canary\nstable: v1\ncanary: v2\n${SWITCH}`);
    expect(defaults.message).toMatch(
      /service-switch router switches all traffic at once.*setWeight 10.*default canary steps/,
    );
    expect(defaults.place).toMatchObject({ file: 'rollout.yml', line: 4, key: 'router.type' });
    expect(defaults.hint).toMatch(/strategy: blue-green/);
    const given = usage(
      `stable: v1\ncanary: v2\n${SWITCH}steps:\n  - setWeight: 0\n  - setWeight: 30\n`,
    );
    expect(given.place).toMatchObject({ line: 6, key: 'steps[1].setWeight' });
    expect(
      usage(`stable: v1\ncanary: v2\n${SWITCH}`, {
        steps: [{ setWeight: 20, place: { file: '--steps' } }],
      }).place,
    ).toMatchObject({ file: '--steps', key: 'steps[0].setWeight' });
    // What it can do passes: blue-green, or a canary that only switches (0 or 100).
    expect(
      parseRolloutSpec(`strategy: blue-green\nstable: v1\ncanary: v2\n${SWITCH}`, 'r.yml').strategy,
    ).toBe('blue-green');
    expect(() =>
      parseRolloutSpec(`stable: v1\ncanary: v2\n${SWITCH}steps:\n  - setWeight: 100\n`, 'r.yml'),
    ).not.toThrow();
  });

  it('refuses a router whose servers, backends or deployments leave out the stable or the canary', () => {
    const nginx = usage(`stable: v1\ncanary: v2\n${NGINX('{ v1: "127.0.0.1:8081" }')}`);
    expect(nginx).toMatchObject({ place: { file: 'rollout.yml', line: 3, key: 'router.servers' } });
    expect(nginx.message).toMatch(/no entry for the canary version "v2"/);
    expect(nginx.hint).toMatch(/add v2: <its host:port> under router.servers/);
    expect(
      usage(
        'stable: v1\ncanary: v2\nrouter: { type: haproxy, socket: /tmp/h.sock, backend: model, servers: { v2: s2 } }\n',
      ).message,
    ).toMatch(/router.servers has no entry for the stable version "v1"/);
    expect(
      usage(
        `stable: v1\ncanary: v3\nrouter: { type: gateway-api, namespace: ml, route: r, backends: { v1: a, v2: b }, ${K8S} }\n`,
      ).place?.key,
    ).toBe('router.backends');
    expect(usage(`strategy: blue-green\nstable: blue\ncanary: v2\n${SWITCH}`).place?.key).toBe(
      'router.deployments',
    );
    expect(
      usage(
        `stable: v1\ncanary: v2\nrouter: { type: kserve, namespace: ml, inferenceService: m, stable: v0, canary: v2, ${K8S} }\n`,
      ).place?.key,
    ).toBe('router.stable');
    // --canary names a version the spec's router does not list: said, with the input.
    expect(
      usage(`stable: v1\ncanary: v2\n${NGINX('{ v1: "127.0.0.1:1", v2: "127.0.0.1:2" }')}`, {
        canary: 'v9',
      }).hint,
    ).toMatch(/--canary gives v9/);
  });

  it('checks what the nginx and HAProxy clients would refuse, with the line', () => {
    expect(
      usage(`stable: v1\ncanary: v2\n${NGINX('{ v1: "127.0.0.1:1; evil", v2: "127.0.0.1:2" }')}`)
        .place,
    ).toMatchObject({ line: 3, key: 'router.servers.v1' });
    expect(
      usage(`stable: v1\ncanary: v2\n${NGINX('{ v1: "127.0.0.1:1", v2: "127.0.0.1:1" }')}`).message,
    ).toMatch(/same server/);
    expect(
      usage(
        'stable: v1\ncanary: v2\nrouter: { type: nginx, upstreamFile: /tmp/u, upstream: "a b", servers: { v1: "h:1", v2: "h:2" } }\n',
      ).place?.key,
    ).toBe('router.upstream');
    expect(
      usage(
        'stable: v1\ncanary: v2\nrouter: { type: haproxy, socket: /tmp/h.sock, backend: model, servers: { v1: "s1 ; x", v2: s2 } }\n',
      ).place?.key,
    ).toBe('router.servers.v1');
  });

  it('knows what each router client can do', async () => {
    const deps = { exec: (async () => ({})) as never, logger: recordingLogger() };
    const k8s = { server: 'https://127.0.0.1:6443' };
    const configs: RouterConfig[] = [
      { type: 'builtin', admin: 'http://127.0.0.1:9901' },
      { type: 'nginx', upstreamFile: '/tmp/u', upstream: 'm', servers: { v1: 'h:1', v2: 'h:2' } },
      {
        type: 'nginx',
        upstreamFile: '/tmp/u',
        upstream: 'm',
        servers: { v1: 'h:1', v2: 'h:2' },
        mirrorFile: '/tmp/m',
      },
      { type: 'haproxy', socket: '/tmp/h.sock', backend: 'm', servers: { v1: 's1', v2: 's2' } },
      { type: 'gateway-api', ...k8s, namespace: 'ml', route: 'm', backends: { v1: 'a', v2: 'b' } },
      {
        type: 'service-switch',
        ...k8s,
        namespace: 'ml',
        service: 'm',
        selectorKey: 'version',
        deployments: { v1: 'a', v2: 'b' },
      },
      {
        type: 'kserve',
        ...k8s,
        namespace: 'ml',
        inferenceService: 'm',
        stable: 'v1',
        canary: 'v2',
      },
      {
        type: 'argo-rollouts',
        ...k8s,
        namespace: 'ml',
        rollout: 'm',
        container: 'm',
        image: 'r/m:{{version}}',
        deadlineMs: 1000,
        pollMs: 1000,
        stable: 'v1',
        canary: 'v2',
      },
    ];
    for (const config of configs) {
      const router = await createTrafficRouter(config, deps);
      expect(routerCapabilities(config), config.type).toEqual(router.capabilities);
    }
  });
});

describe('docs/rollout.md', () => {
  it('documents every key each router type accepts, in its router keys section', () => {
    const docs = readFileSync(new URL('../../../docs/rollout.md', import.meta.url), 'utf8');
    const start = docs.indexOf('### Router keys');
    expect(start).toBeGreaterThan(0);
    const section = docs.slice(start, docs.indexOf('\n### ', start + 1));
    for (const [type, keys] of Object.entries(ROUTER_KEYS)) {
      const at = section.indexOf(`\`type: ${type}\``);
      expect(at, `type: ${type}`).toBeGreaterThanOrEqual(0);
      for (const key of keys.filter((k) => k !== 'type'))
        expect(section.includes(`\`${key}\``), `router type ${type}: key ${key}`).toBe(true);
    }
    // The keys of nginx, HAProxy and builtin each have their own table row.
    for (const type of ['builtin', 'nginx', 'haproxy'] as const)
      for (const key of ROUTER_KEYS[type].filter((k) => k !== 'type')) {
        const table = section.slice(section.indexOf(`\`type: ${type}\``));
        expect(table, `${type}.${key}`).toMatch(new RegExp(`^\\| \`${key}\` \\|`, 'm'));
      }
  });
});
