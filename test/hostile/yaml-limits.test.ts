import { describe, expect, it } from 'vitest';
import { parseSchema } from '../../src/core/data/schema.js';
import { usageError } from '../unit/support/errors.js';
import { parseRules } from '../../src/core/gate/rules.js';
import { parseMetrics } from '../../src/core/metrics/parsers-all.js';
import { readYaml, YAML_LIMITS } from '../../src/core/yaml/read.js';

/** Nine lines that expand to 9^8 (43 million) strings when every alias is followed. */
function aliasBomb(): string {
  let text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
  let previous = 'a';
  for (const name of 'bcdefgh') {
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
    previous = name;
  }
  return text;
}

const readers: [string, (text: string) => unknown][] = [
  ['metrics', (text) => parseMetrics(text, 'yaml', 'm.yaml')],
  ['rules', (text) => parseRules(text, 'rules.yml')],
  ['schema', (text) => parseSchema(text, 'schema.yml', (dir, path) => `${dir}/${path}`)],
];

describe.each(readers)('the %s reader', (_name, read) => {
  it('refuses an alias bomb quickly, naming the file, the line and the limit', () => {
    const started = performance.now();
    const error = usageError(() => read(aliasBomb()));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error.message).toContain(`expand to more than ${YAML_LIMITS.maxAliasNodes} nodes`);
    expect(error.message).toContain('limit: alias expansion');
    expect(error.place?.file).toMatch(/\.ya?ml$/);
    expect(error.place?.line).toBeGreaterThanOrEqual(1);
  });

  it('refuses an alias inside the node it names', () => {
    for (const text of ['a: &x [*x]\n', 'a: &x {b: {c: *x}}\n', 'x: &x\n  - 1\n  - *x\n']) {
      const error = usageError(() => read(text));
      expect(error.message).toMatch(/refers to the node that contains it/);
      expect(error.place?.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses 100,000 levels of flow nesting without overflowing the stack', () => {
    const text = `a: ${'['.repeat(100_000)}1${']'.repeat(100_000)}\n`;
    const error = usageError(() => read(text));
    expect(error.message).toContain(`nests deeper than ${YAML_LIMITS.maxDepth} levels`);
    expect(error.message).toContain('limit: nesting depth');
    expect(error.place?.line).toBe(1);
  });

  it('refuses 100,000 levels of block sequences', () => {
    const error = usageError(() => read(`${'- '.repeat(100_000)}1\n`));
    expect(error.message).toContain('nests deeper than');
  });

  it('refuses aliases that nest deeper than the limit together', () => {
    // Each level is shallow; the alias chain makes the expanded tree 300 levels deep.
    let text = 'l0: &l0 [1]\n';
    for (let i = 1; i <= 300; i++) text += `l${i}: &l${i} [*l${i - 1}]\n`;
    const error = usageError(() => read(text));
    expect(error.message).toMatch(/nests deeper than 256 levels through aliases|expand to more/);
  });
});

describe('readYaml', () => {
  it('refuses a document over the size limit before parsing it', () => {
    const error = usageError(() =>
      readYaml('a: 1\nb: 2\n', 'big.yml', { what: 'the rules file', limits: { maxChars: 5 } }),
    );
    expect(error.message).toMatch(/is 10 characters long \(limit: document size 5 characters\)/);
    expect(error.place?.file).toBe('big.yml');
  });

  it('follows aliases within the limits, and rules files may use them', () => {
    const rules = parseRules(
      'default: &strict { max_regression: 0 }\nmetrics:\n  accuracy: *strict\n',
      'rules.yml',
    );
    expect(rules.rules[0]).toMatchObject({ pattern: 'accuracy', maxRegression: 0 });
    const set = parseMetrics('base: &b {x: 1, y: 2}\ncopy: *b\n', 'yaml', 'm.yaml');
    expect([...set.values.keys()]).toEqual(['base.x', 'base.y', 'copy.x', 'copy.y']);
  });

  it('keeps "did you mean" for rules and positions for schemas', () => {
    expect(usageError(() => parseRules('metrics:\n  acc: { mn: 1 }\n', 'r.yml')).hint).toMatch(
      /did you mean min\?/,
    );
    const error = usageError(() =>
      parseSchema('columns:\n  a: { type: nope }\n', 's.yml', (d, p) => `${d}/${p}`),
    );
    expect(error.place).toMatchObject({ file: 's.yml', line: 2 });
  });

  it('refuses a second document', () => {
    const error = usageError(() => readYaml('a: 1\n---\nb: 2\n', 'two.yml'));
    expect(error.message).toMatch(/holds 2 documents/);
    expect(error.place?.line).toBe(2);
  });
});
