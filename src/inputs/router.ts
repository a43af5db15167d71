import type { CommandDef } from './types.js';

/**
 * `sluice router serve`: the built-in weighted reverse proxy as a long-running process, for
 * single-host use and the demo. CLI only: it is not in COMMANDS (no action, no GitLab component),
 * see CLI_COMMANDS in index.ts.
 */
export const router = {
  name: 'router',
  summary:
    'Run the built-in weighted router (a reverse proxy with an admin API) until SIGTERM/SIGINT: `sluice router serve --versions v1=http://127.0.0.1:8081,v2=http://127.0.0.1:8082`.',
  inputs: [
    {
      name: 'action',
      type: 'choice',
      options: ['serve'],
      default: 'serve',
      description: '`serve` runs the router in the foreground. The CLI takes it as a word.',
    },
    {
      name: 'versions',
      type: 'string',
      required: true,
      description:
        'The versions it routes to, as `name=url` comma-separated: `v1=http://127.0.0.1:8081,v2=http://127.0.0.1:8082`. The first gets all traffic unless `weights` says otherwise.',
    },
    {
      name: 'listen',
      type: 'string',
      default: '127.0.0.1:8080',
      description: 'Where users’ traffic comes in, `host:port` (port 0: a free one).',
    },
    {
      name: 'admin',
      type: 'string',
      default: '127.0.0.1:9901',
      description:
        'Where the admin API listens, `host:port` on loopback (it has no authentication); a rollout uses it as `router: builtin:http://<admin>`.',
    },
    {
      name: 'weights',
      type: 'string',
      description: 'Starting weights in percent, `v1=90,v2=10` (summing to 100).',
    },
  ],
  outputs: [],
  abortOnSignal: true,
} as const satisfies CommandDef;
