/**
 * `engines` in package.json is a promise: every Node version it admits installs sluice (and its
 * development dependencies) without an EBADENGINE warning. Checked against the lock file, so a
 * dependency update that needs a newer Node fails here, not on a newcomer's `npm ci`.
 */
import { readFileSync } from 'node:fs';
import { subset, validRange } from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}
const ROOT = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  engines: { node: string };
  dependencies?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', ROOT), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** [package path in the lock, its version, its engines.node] for every locked package that has one. */
function lockedEngines(): [string, string, string][] {
  const rows: [string, string, string][] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !entry.engines || Array.isArray(entry.engines)) continue;
    const node = entry.engines.node;
    if (node) rows.push([path.replace(/^.*node_modules\//, ''), entry.version ?? '?', node]);
  }
  return rows;
}

describe('package.json engines', () => {
  it('is a valid range', () => {
    expect(validRange(pkg.engines.node)).not.toBeNull();
  });

  it('admits only Node versions every locked dependency declares it supports', () => {
    const rows = lockedEngines();
    expect(rows.length).toBeGreaterThan(50);
    const unmet = rows
      .filter(([, , range]) => !subset(pkg.engines.node, range))
      .map(([name, version, range]) => `${name}@${version} needs node ${range}`);
    expect(unmet, `engines.node is "${pkg.engines.node}"`).toEqual([]);
  });

  it('the published package installs no dependencies (dist/ bundles all the code it runs)', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('the check catches a dependency that needs a newer Node', () => {
    expect(subset(pkg.engines.node, '>=22')).toBe(false);
    expect(subset('>=20', '^20.19.0 || >=22.12.0')).toBe(false);
  });
});
