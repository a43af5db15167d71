import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dirs.js';
import {
  removeTrackedNow,
  trackScratchFolder,
} from '../../../src/clients/scratch/scratch-folders.js';

const root = path.resolve(import.meta.dirname, '../../..');
const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const scratch = pathToFileURL(path.join(root, 'src/clients/scratch/scratch-folders.ts')).href;

/**
 * A child that tracks a folder holding a "secret", says it is ready, and waits to be ended:
 * its exit signal and what is left of the folder.
 */
async function endChildBy(
  signal: NodeJS.Signals,
): Promise<{ signal: string | null; left: boolean }> {
  const dir = tempDir('sluice-scratch-test-');
  const folder = path.join(dir, 'private');
  const entry = path.join(dir, 'child.mjs');
  writeFileSync(
    entry,
    `import { mkdirSync, writeFileSync } from 'node:fs';
     import { trackScratchFolder } from ${JSON.stringify(scratch)};
     mkdirSync(${JSON.stringify(folder)});
     writeFileSync(${JSON.stringify(path.join(folder, 'config.json'))}, '{"auths":{}}');
     trackScratchFolder(${JSON.stringify(folder)});
     console.log('ready');
     setInterval(() => undefined, 1000);`,
  );
  const child = spawn(process.execPath, ['--import', tsx, entry], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready) => child.stdout.once('data', () => ready()));
  expect(existsSync(folder)).toBe(true);
  const ended = new Promise<string | null>((done) => child.once('exit', (_code, sig) => done(sig)));
  child.kill(signal);
  return { signal: await ended, left: existsSync(folder) };
}

describe('scratch folders', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'are removed when %s ends the process, which still ends by that signal',
    async (signal) => {
      expect(await endChildBy(signal)).toEqual({ signal, left: false });
    },
    20_000,
  );

  it('are each removed even when removing one of them fails', () => {
    const removed: string[] = [];
    trackScratchFolder('/nonexistent/sluice-a');
    trackScratchFolder('/nonexistent/sluice-b');
    removeTrackedNow((dir) => {
      if (dir.endsWith('-a')) throw new Error('ENOTEMPTY: spill file written meanwhile');
      removed.push(dir);
    });
    expect(removed).toEqual(['/nonexistent/sluice-b']);
    removeTrackedNow((dir) => removed.push(dir));
    expect(removed).toEqual(['/nonexistent/sluice-b', '/nonexistent/sluice-a']);
  });
});
