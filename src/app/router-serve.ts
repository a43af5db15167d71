/**
 * `sluice router serve`: the built-in router (src/clients/routers/builtin) in the foreground until
 * SIGTERM/SIGINT (the run's signal). Lives in the app, not the core: it starts a client's server.
 */
import { startBuiltinRouter } from '../clients/routers/builtin/serve.js';
import type { CommandDeps, CommandResult } from '../core/commands/types.js';
import { UsageError } from '../core/errors.js';
import type { router } from '../inputs/router.js';
import type { InputsOf } from '../inputs/types.js';

export async function routerServeCommand(
  inputs: InputsOf<typeof router>,
  deps: CommandDeps,
): Promise<CommandResult> {
  const versions = parsePairs(inputs.versions, 'versions', 'v1=http://127.0.0.1:8081');
  const weights = inputs.weights
    ? Object.fromEntries(
        Object.entries(parsePairs(inputs.weights, 'weights', 'v1=90,v2=10')).map(([name, text]) => {
          const weight = Number(text);
          if (!/^\d+(\.\d+)?$/.test(text) || weight > 100)
            throw new UsageError(`--weights: ${name}=${text} is not a percentage`, {
              place: { key: 'weights' },
              hint: 'write weights as v1=90,v2=10',
            });
          return [name, weight];
        }),
      )
    : undefined;
  const running = await startBuiltinRouter({
    versions,
    listen: inputs.listen,
    admin: inputs.admin,
    ...(weights ? { weights } : {}),
  });
  deps.logger.info(`sluice router: traffic on ${running.address}`);
  deps.logger.info(
    `sluice router: admin API on ${running.adminAddress} (rollout: --router builtin:${running.adminAddress})`,
  );
  const signal = deps.signal;
  await new Promise<void>((resolve) => {
    if (!signal) return; // without a signal it runs until the process is killed
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  deps.logger.info('sluice router: stopping (in-flight requests finish first)');
  await running.close();
  return {};
}

/** `a=x,b=y` → { a: 'x', b: 'y' }: names once each, values not empty. */
function parsePairs(text: string, input: string, example: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const at = item.indexOf('=');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    const value = at > 0 ? item.slice(at + 1).trim() : '';
    if (!name || !value)
      throw new UsageError(`--${input}: ${JSON.stringify(item.slice(0, 100))} is not name=value`, {
        place: { key: input },
        hint: `write it as ${example}`,
      });
    if (Object.hasOwn(out, name))
      throw new UsageError(`--${input}: ${name} is given twice`, { place: { key: input } });
    out[name] = value;
  }
  if (Object.keys(out).length === 0)
    throw new UsageError(`--${input} is empty`, {
      place: { key: input },
      hint: `write it as ${example}`,
    });
  return out;
}
