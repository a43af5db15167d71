/**
 * What a user-level review of `quality-gate --predictions` found (issue 16): each a class of
 * problem, each test failing before its fix.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { parseMetrics } from '../../../src/core/metrics/parsers-all.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { renderOpenMetrics } from '../../../src/core/report/render/openmetrics.js';
import { renderTerminal } from '../../../src/core/report/render/terminal.js';
import { dataDeps } from '../data/deps.js';
import { runGate } from '../../unit/support/commands.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

let dir: string;

function deps(): CommandDeps {
  const base = dataDeps(dir, { now: new Date('2026-12-07T00:00:00Z') });
  return { ...base, folders: { home: dir, temp: dir } };
}

/** A deterministic pseudo-random stream (no Math.random in tests). */
function stream(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** 300 examples labelled churn/stay; `flip` writes the score as P(stay) instead of P(churn). */
function churnFile(name: string, seed: number, accuracy: number, flip = false): void {
  const labels = stream(1);
  const noise = stream(seed);
  const rows = ['id,label,prediction,score,region,plan'];
  for (let i = 0; i < 300; i++) {
    const y = labels() < 0.4 ? 'churn' : 'stay';
    const p = noise() < accuracy ? y : y === 'churn' ? 'stay' : 'churn';
    const churn = (p === 'churn' ? 0.8 : 0.2) + (noise() - 0.5) * 0.3;
    const score = flip ? 1 - churn : churn;
    rows.push(
      `${i},${y},${p},${score.toFixed(3)},${['EU', 'US', 'APAC'][i % 3]},${i % 2 ? 'a' : 'b'}`,
    );
  }
  writeFileSync(join(dir, name), rows.join('\n') + '\n');
}

function binaryFile(name: string, seed: number): void {
  const labels = stream(3);
  const noise = stream(seed);
  const rows = ['id,label,prediction,score,region'];
  for (let i = 0; i < 300; i++) {
    const y = labels() < 0.4 ? 1 : 0;
    const p = noise() < 0.85 ? y : 1 - y;
    rows.push(
      `${i},${y},${p},${(p * 0.6 + noise() * 0.4).toFixed(3)},${['EU', 'US', 'APAC'][i % 3]}`,
    );
  }
  writeFileSync(join(dir, name), rows.join('\n') + '\n');
}

function write(name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}

async function usageError(run: Promise<unknown>): Promise<UsageError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

beforeAll(() => {
  dir = tempDir('sluice-review16-');
  churnFile('base.csv', 5, 0.85);
  churnFile('same.csv', 5, 0.85);
  churnFile('worse.csv', 6, 0.8);
  churnFile('flipped.csv', 7, 0.85, true);
  binaryFile('nbase.csv', 11);
  binaryFile('ncand.csv', 12);
});

const binary = {
  predictions: ['ncand.csv'],
  'baseline-predictions': 'nbase.csv',
  'score-column': 'score',
  'slice-columns': ['region'],
};

describe('1. a rule that matches no prediction metric', () => {
  it.each([
    ['roc_auc', 'auc'],
    ['acuracy', 'accuracy'],
    ['slices.region.apack.accuracy', 'slices.region.APAC.accuracy'],
  ])('%s: exit 2 naming the rules file, line and key, with did-you-mean %s', async (key, near) => {
    write('typo.yml', `# rules\nmetrics:\n  ${key}: { min: 0.5 }\n`);
    const error = await usageError(runGate({ ...binary, rules: 'typo.yml' }, deps()));
    expect(error.message).toContain(`line 3: "${key}" (did you mean "${near}"?)`);
    expect(error.place).toMatchObject({ file: 'typo.yml', line: 3, key: `metrics.${key}` });
    expect(error.hint).toContain('prediction metrics: accuracy, precision, recall, f1, auc');
    expect(error.hint).toContain('slices.region.<APAC|EU|US>.<metric>');
  });

  it('with --metrics too, a rule must match a metric of one or the other', async () => {
    write('m.json', '{"latency_ms": 12}');
    write('both.yml', 'metrics:\n  latency_ms: { max: 20 }\n  accuracy: { min: 0.5 }\n');
    const { report } = await runGate(
      { ...binary, metrics: ['m.json'], baseline: 'none', rules: 'both.yml' },
      deps(),
    );
    expect(report!.verdict).toBe('pass');
    write('neither.yml', 'metrics:\n  latency_ms: { max: 20 }\n  acuracy: { min: 0.5 }\n');
    const error = await usageError(
      runGate({ ...binary, metrics: ['m.json'], baseline: 'none', rules: 'neither.yml' }, deps()),
    );
    expect(error.message).toContain('"acuracy" (did you mean "accuracy"?)');
    expect(error.hint).toContain('metrics files: latency_ms');
  });

  it('`required: true` matching no prediction metric fails the verdict', async () => {
    write('req.yml', 'metrics:\n  rmse: { required: true }\n');
    const { report } = await runGate({ ...binary, rules: 'req.yml' }, deps());
    expect(report!.verdict).toBe('fail');
    expect(report!.outputs['failed-metrics']).toContain('rmse');
  });
});

describe('2. the positive class', () => {
  it('two text labels without positive-class: exit 2 naming both values', async () => {
    const error = await usageError(
      runGate({ predictions: ['same.csv'], 'baseline-predictions': 'base.csv' }, deps()),
    );
    expect(error.message).toContain('`churn` and `stay`');
    expect(error.place).toMatchObject({ key: 'positive-class' });
  });

  it('yes/no labels stay text (not booleans) and need positive-class too', async () => {
    write('yn.csv', 'id,label,prediction\n1,yes,no\n2,no,no\n3,yes,yes\n4,no,yes\n');
    const error = await usageError(
      runGate({ predictions: ['yn.csv'], 'baseline-predictions': 'yn.csv' }, deps()),
    );
    expect(error.message).toContain('`no` and `yes`');
    const { report } = await runGate(
      { predictions: ['yn.csv'], 'baseline-predictions': 'yn.csv', 'positive-class': 'yes' },
      deps(),
    );
    const data = report!.data['predictions'] as { positiveClass: string };
    expect(data.positiveClass).toBe('yes');
  });

  it('a value that is neither class: exit 2 naming the classes', async () => {
    const error = await usageError(
      runGate(
        { predictions: ['same.csv'], 'baseline-predictions': 'base.csv', 'positive-class': 'gone' },
        deps(),
      ),
    );
    expect(error.message).toContain('neither class');
    expect(error.message).toContain('`churn` and `stay`');
  });

  it('0/1 labels default to 1, and say so', async () => {
    const { report } = await runGate(binary, deps());
    const data = report!.data['predictions'] as { positiveClass: string };
    expect(data.positiveClass).toBe('1');
    expect(renderMarkdown(report!)).toContain('(1 of 0/1 labels)');
  });

  it('AUC below 0.5 warns that the score may be for the other class', async () => {
    const { report } = await runGate(
      {
        predictions: ['flipped.csv'],
        'baseline-predictions': 'base.csv',
        'score-column': 'score',
        'positive-class': 'churn',
      },
      deps(),
    );
    const warning = report!.notes.find((n) => n.text.startsWith('AUC below 0.5'));
    expect(warning?.level).toBe('warning');
    expect(warning?.text).toContain('the other class (stay)');
  });
});

describe('3-4. what the status and the headline say', () => {
  it('a failed min rule says it is below its minimum, no Δ direction word', async () => {
    write('min.yml', 'metrics:\n  auc: { min: 0.99 }\n');
    const { report } = await runGate({ ...binary, rules: 'min.yml' }, deps());
    expect(report!.summary).toMatch(/failed its rule .*auc below its minimum 0\.99/);
    expect(report!.summary).not.toMatch(/regressed/);
    const markdown = renderMarkdown(report!);
    expect(markdown).toMatch(/fail: below its minimum 0\.99/);
    expect(markdown).not.toMatch(/fail: (improved|regressed|within noise)/);
  });

  it('identical predictions are "unchanged", and the reason names the rule applied', async () => {
    write('default.yml', 'default: { max_regression: 0.02 }\n');
    const { report } = await runGate(
      {
        predictions: ['same.csv'],
        'baseline-predictions': 'base.csv',
        'positive-class': 'churn',
        rules: 'default.yml',
      },
      deps(),
    );
    const data = report!.data['predictions'] as { metrics: { significance: string }[] };
    expect(new Set(data.metrics.map((m) => m.significance))).toEqual(new Set(['unchanged']));
    expect(renderMarkdown(report!)).toContain('default: max\\_regression 0.02');
  });
});

describe('5. OpenMetrics in predictions mode', () => {
  it('gauges for each metric: candidate, baseline, delta, interval, per slice', async () => {
    const { report } = await runGate(binary, deps());
    const text = renderOpenMetrics(report!);
    expect(text).toMatch(/^sluice_accuracy\{file="ncand\.csv",source="predictions"\} 0\.\d+$/m);
    expect(text).toMatch(
      /^sluice_auc\{file="ncand\.csv",kind="interval_low",source="predictions"\} /m,
    );
    expect(text).toMatch(
      /^sluice_f1\{file="ncand\.csv",kind="delta",slice_column="region",slice_value="EU",source="predictions"\} /m,
    );
    const types = text.match(/^# TYPE (\S+) gauge$/gm) ?? [];
    expect(new Set(types).size).toBe(types.length);
    expect(text.endsWith('# EOF\n')).toBe(true);
    // sluice's own OpenMetrics reader takes it back.
    const parsed = parseMetrics(text, 'openmetrics', 'gate.prom');
    expect(parsed.values.size).toBeGreaterThan(20);
  });
});

describe('6. a bad value says where and why', () => {
  it.each([
    ['high', 'which is not a number'],
    ['inf', 'which is infinite'],
    ['NaN', '(NaN: not a number)'],
    ['', 'is empty'],
  ])('score %j: file, column, id, line and reason', async (bad, why) => {
    write('bad.csv', `id,label,prediction,score\n1,1,1,0.9\n2,0,0,0.2\n7,1,0,${bad}\n9,0,1,0.4\n`);
    const error = await usageError(
      runGate(
        { predictions: ['bad.csv'], 'baseline-predictions': 'nbase.csv', 'score-column': 'score' },
        deps(),
      ),
    );
    expect(error.message).toContain('bad.csv, column `score`: 1 row has no usable value');
    expect(error.message).toContain(`id 7 (line 4)`);
    expect(error.message).toContain(why);
    expect(error.message).not.toMatch(/VARCHAR|DOUBLE/);
    expect(error.place).toMatchObject({ file: 'bad.csv', line: 4, key: 'score-column' });
  });
});

describe('7-9. inputs and rendering', () => {
  it('baseline-predictions takes `file:` as baseline does', async () => {
    const { report } = await runGate(
      { ...binary, 'baseline-predictions': 'file:nbase.csv' },
      deps(),
    );
    expect((report!.data['predictions'] as { paired: number }).paired).toBe(300);
  });

  it('the summary paragraph renders code spans, never escaped backticks', async () => {
    const { report } = await runGate(binary, deps());
    const markdown = renderMarkdown(report!);
    expect(markdown).not.toContain('\\`');
    expect(markdown).toContain('<code>label</code>');
    expect(markdown).toContain('<code>max\\_regression</code>');
  });

  it('the terminal slice chart names every slice on one scale with 4 digits', async () => {
    const { report } = await runGate(
      {
        predictions: ['worse.csv'],
        'baseline-predictions': 'base.csv',
        'positive-class': 'churn',
        'slice-columns': ['region', 'plan'],
      },
      deps(),
    );
    const text = renderTerminal(report!);
    const at = text.indexOf('Δ accuracy per slice');
    expect(at).toBeGreaterThan(0);
    const chart = text.slice(at).split('\n\n')[0]!;
    expect(chart.split('\n')[0]).not.toMatch(/\(Δ accuracy\)/);
    for (const slice of ['region=EU', 'region=US', 'region=APAC', 'plan=a', 'plan=b'])
      expect(chart).toContain(slice);
    // Every value at 4 significant digits at most.
    for (const number of chart.match(/-?\d+\.\d+/g) ?? [])
      expect(number.replace(/^-?0\.0*|[-.]/g, '').length).toBeLessThanOrEqual(4);
    // One scale: the zero mark or bars sit in the same columns for every row.
    const rows = chart.split('\n').filter((line) => line.includes('●'));
    expect(rows).toHaveLength(5);
  });
});
