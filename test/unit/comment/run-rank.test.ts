import { describe, expect, it } from 'vitest';
import { composeComment, fixedPart, readReportParts } from '../../../src/core/comment/compose.js';
import { postStickyReports } from '../../../src/core/comment/post.js';
import { compareRunRanks, runRankOf } from '../../../src/core/comment/run-rank.js';
import { FakeForge, seededRandom, yieldTimes } from './fake-forge.js';

const fast = { sleep: () => yieldTimes(3) };
const marker = '<!-- sluice:comment:sluice -->';
const LIMIT = 65_536;

describe('run ranks', () => {
  it('orders runs by their ids, then attempt or job', () => {
    expect(compareRunRanks([101, 1], [100, 3])).toBeGreaterThan(0);
    expect(compareRunRanks([100, 2], [100, 3])).toBeLessThan(0);
    expect(compareRunRanks([100, 2], [100, 2])).toBe(0);
    expect(runRankOf('7100200300', '2')).toEqual([7100200300, 2]);
    expect(runRankOf('12', undefined)).toBeUndefined();
    expect(runRankOf('12', 'x')).toBeUndefined();
  });

  it('writes the rank into the part marker and reads it back; old markers have none', () => {
    const body = composeComment([fixedPart('gate', 'G')], { maxLength: LIMIT, rank: [42, 1] });
    expect(body).toMatch(/^<!-- sluice:report:gate:start:[0-9a-f]{12}:run:42\.1 -->\nG\n/);
    expect(readReportParts(body).get('gate')).toEqual({ text: 'G', rank: [42, 1] });
    const old = composeComment([fixedPart('gate', 'G')], { maxLength: LIMIT });
    expect(readReportParts(old).get('gate')).toEqual({ text: 'G' });
  });

  it("keeps a later run's part over this run's, and replaces an earlier or unranked one", () => {
    const later = composeComment([fixedPart('gate', 'later'), fixedPart('data', 'D')], {
      maxLength: LIMIT,
      rank: [101, 1],
    });
    const mine = composeComment([fixedPart('gate', 'earlier')], {
      maxLength: LIMIT,
      previous: [later],
      rank: [100, 1],
    });
    expect(readReportParts(mine).get('gate')).toEqual({ text: 'later', rank: [101, 1] });
    expect(readReportParts(mine).get('data')?.text).toBe('D');
    const newer = composeComment([fixedPart('gate', 'newest')], {
      maxLength: LIMIT,
      previous: [later],
      rank: [101, 2],
    });
    expect(readReportParts(newer).get('gate')).toEqual({ text: 'newest', rank: [101, 2] });
    const unranked = composeComment([fixedPart('gate', 'old')], { maxLength: LIMIT });
    const over = composeComment([fixedPart('gate', 'ranked')], {
      maxLength: LIMIT,
      previous: [unranked],
      rank: [1, 1],
    });
    expect(readReportParts(over).get('gate')?.text).toBe('ranked');
  });
});

describe('duplicate sticky comments left by a race', () => {
  it("keep the later run's part whichever comment holds it", () => {
    const ranked = (text: string, rank: number[]) =>
      composeComment([fixedPart('gate', text)], { maxLength: LIMIT, rank });
    const merged = composeComment([fixedPart('gate', 'run 150')], {
      maxLength: LIMIT,
      previous: [ranked('run 200', [200, 1]), ranked('run 100', [100, 1])],
      rank: [150, 1],
    });
    expect(readReportParts(merged).get('gate')).toEqual({ text: 'run 200', rank: [200, 1] });
  });

  it('keep a ranked part over an unranked copy (written by an older version) in a newer comment', () => {
    const older = composeComment([fixedPart('gate', 'run 200'), fixedPart('data', 'D 200')], {
      maxLength: LIMIT,
      rank: [200, 1],
    });
    const newer = composeComment([fixedPart('gate', 'old'), fixedPart('data', 'D old')], {
      maxLength: LIMIT,
    });
    const merged = composeComment([fixedPart('gate', 'run 150')], {
      maxLength: LIMIT,
      previous: [older, newer],
      rank: [150, 1],
    });
    expect(readReportParts(merged).get('gate')?.text).toBe('run 200');
    expect(readReportParts(merged).get('data')?.text).toBe('D 200');
  });
});

describe('two runs posting the same report key', () => {
  it('leaves the later run its report under any interleaving; neither fails', async () => {
    let supersededSeen = 0;
    for (let seed = 1; seed <= 40; seed += 1) {
      const random = seededRandom(seed * 17);
      const forge = new FakeForge({ pause: () => yieldTimes(Math.floor(random() * 4)) });
      forge.seed(`${marker}\nolder content`);
      const [earlier, later] = await Promise.all([
        postStickyReports(forge, 'sluice', [fixedPart('gate', 'run 100')], {
          ...fast,
          rank: [100, 1],
        }),
        postStickyReports(forge, 'sluice', [fixedPart('gate', 'run 101')], {
          ...fast,
          rank: [101, 1],
        }),
      ]);
      expect(forge.all, `seed ${seed}`).toHaveLength(1);
      expect(readReportParts(forge.all[0]!.body).get('gate')?.text, `seed ${seed}`).toBe('run 101');
      expect(later.superseded, `seed ${seed}`).toEqual([]);
      // The earlier run learns it was replaced when the later part is there as it finishes;
      // otherwise its part held when it read back, and the later run wrote after that.
      if (earlier.superseded.length > 0) supersededSeen += 1;
    }
    expect(supersededSeen).toBeGreaterThan(0);
  });

  it('an earlier run that ends last writes nothing over the later report', async () => {
    const forge = new FakeForge();
    forge.seed(
      `${marker}\n${composeComment([fixedPart('gate', 'run 101')], { maxLength: LIMIT, rank: [101, 1] })}`,
    );
    const before = forge.all[0]!.body;
    const result = await postStickyReports(forge, 'sluice', [fixedPart('gate', 'run 100')], {
      ...fast,
      rank: [100, 1],
    });
    expect(result).toMatchObject({ action: 'unchanged', superseded: ['gate'] });
    expect(forge.all[0]!.body).toBe(before);
    expect(forge.calls.filter((c) => c.startsWith('update'))).toEqual([]);
  });
});
