import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import type { Place } from '../../../src/core/errors.js';
import type { GitReader, Logger } from '../../../src/core/ports.js';
import { tempDir } from '../support/temp-dirs.js';
import { runGate } from '../support/commands.js';

const dir = tempDir('sluice-gate-annotate-');

function deps(annotations: { level: string; message: string; place?: Place }[]): CommandDeps {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    annotate: (level, message, place) =>
      annotations.push({ level, message, ...(place ? { place } : {}) }),
    group: (_title, run) => run(),
  };
  return {
    logger,
    clock: { now: () => new Date(0) },
    exec: { run: () => Promise.reject(new Error('no processes here')) },
    git: {} as GitReader,
    run: { platform: 'github', cwd: dir },
  };
}

describe('quality-gate annotations', () => {
  it('annotates each failed metric on the line of the rule it broke, and nothing that passed', async () => {
    writeFileSync(path.join(dir, 'metrics.json'), '{"accuracy": 0.7, "f1": 0.9, "loss": 0.5}');
    writeFileSync(
      path.join(dir, 'rules.yml'),
      'metrics:\n  accuracy:\n    min: 0.8\n  f1: { min: 0.5 }\ndefault: { max: 0.4 }\n',
    );
    const annotations: { level: string; message: string; place?: Place }[] = [];
    const { report } = await runGate(
      { metrics: ['metrics.json'], baseline: 'none', rules: 'rules.yml', history: 0 },
      deps(annotations),
    );
    expect(report!.verdict).toBe('fail');
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatchObject({
      level: 'error',
      place: { file: 'rules.yml', line: 2, key: 'metrics.accuracy' },
    });
    expect(annotations[0]!.message).toMatch(
      /^accuracy in metrics\.json failed \(rule accuracy\): /,
    );
    expect(annotations[0]!.message).toContain('0.8');
    expect(annotations[1]).toMatchObject({
      level: 'error',
      place: { file: 'rules.yml', line: 5, key: 'default' },
    });
    expect(annotations[1]!.message).toMatch(/^loss in metrics\.json failed \(rule default\)/);
  });
});
