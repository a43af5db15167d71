import { describe, expect, it } from 'vitest';
import { fixedPart } from '../../../src/core/comment/compose.js';
import { commentMarker } from '../../../src/core/comment/markers.js';
import { postStickyReports } from '../../../src/core/comment/post.js';
import { isStickyComment, upsertStickyComment } from '../../../src/core/comment/sticky.js';
import { FakeForge, seededRandom, yieldTimes } from './fake-forge.js';

const marker = '<!-- sluice:comment:sluice -->';

describe('upsertStickyComment', () => {
  it('creates the comment with the marker on its first line when none exists', async () => {
    const forge = new FakeForge();
    forge.seed('a human comment');
    const result = await upsertStickyComment(forge, 'sluice', 'hello');
    expect(result.action).toBe('created');
    expect(result.comment.body).toBe(`${marker}\nhello`);
    expect(forge.all.map((c) => c.body)).toEqual(['a human comment', `${marker}\nhello`]);
  });

  it('updates the marked comment in place', async () => {
    const forge = new FakeForge();
    const existing = forge.seed(`${marker}\nold`);
    const result = await upsertStickyComment(forge, 'sluice', 'new');
    expect(result).toMatchObject({
      action: 'updated',
      comment: { id: existing.id, body: `${marker}\nnew` },
    });
    expect(forge.all).toHaveLength(1);
  });

  it('leaves an identical comment alone (no write at all)', async () => {
    const forge = new FakeForge();
    forge.seed(`${marker}\r\nsame  \n`);
    const result = await upsertStickyComment(forge, 'sluice', 'same');
    expect(result.action).toBe('unchanged');
    expect(forge.calls).toEqual(['list']);
  });

  it('keeps comments of other keys and quoted markers apart', async () => {
    const forge = new FakeForge();
    forge.seed('<!-- sluice:comment:other -->\nother key');
    forge.seed(`> ${marker}\n> quoted by a person`);
    const result = await upsertStickyComment(forge, 'sluice', 'mine');
    expect(result.action).toBe('created');
    expect(forge.all).toHaveLength(3);
    expect(forge.all[0]!.body).toBe('<!-- sluice:comment:other -->\nother key');
  });

  it('folds duplicates into the oldest and deletes the newer ones', async () => {
    const forge = new FakeForge();
    const oldest = forge.seed(`${marker}\nfirst`);
    forge.seed('unrelated');
    const dup1 = forge.seed(`${marker}\nsecond`);
    const dup2 = forge.seed(`${marker}\nthird`);
    const result = await upsertStickyComment(forge, 'sluice', 'latest');
    expect(result.comment.id).toBe(oldest.id);
    expect(result.removed).toEqual([dup1.id, dup2.id]);
    expect(forge.all.map((c) => c.body)).toEqual([
      `${marker}\nfirst`.replace('first', 'latest'),
      'unrelated',
    ]);
  });

  it('hands the previous bodies, marker removed and oldest first, to a body function', async () => {
    const forge = new FakeForge({ maxCommentLength: 1000 });
    forge.seed(`${marker}\none`);
    forge.seed(`${marker}\ntwo`);
    let seen: { previous: readonly string[]; maxLength: number } | undefined;
    await upsertStickyComment(forge, 'sluice', (context) => {
      seen = context;
      return 'x';
    });
    expect(seen).toEqual({ previous: ['one', 'two'], maxLength: 1000 - marker.length - 1 });
  });

  it('never writes more than the forge accepts, even for a plain string body', async () => {
    const forge = new FakeForge({ maxCommentLength: 500 });
    const result = await upsertStickyComment(forge, 'sluice', 'y'.repeat(10_000));
    expect(result.comment.body.length).toBeLessThanOrEqual(500);
    expect(result.comment.body).toContain('Shortened');
  });

  it('sanitises the key so it cannot close the marker comment', () => {
    expect(commentMarker('a --> <b>')).toBe('<!-- sluice:comment:a_-_b_ -->');
    expect(commentMarker('x--!>y')).not.toMatch(/--!?>.*-->/);
    expect(() => commentMarker('-->')).toThrow(/comment-key/);
    expect(isStickyComment(`${commentMarker('k')}\nbody`, 'k')).toBe(true);
  });
});

describe('two jobs racing', () => {
  it('converge on one comment holding both reports when both create at once', async () => {
    // Every forge call yields once, so the two jobs run in lockstep: list, list, create, create, …
    const forge = new FakeForge({ pause: () => yieldTimes(1) });
    const [a, b] = await Promise.all([
      postStickyReports(forge, 'sluice', [fixedPart('quality-gate', 'gate report')]),
      postStickyReports(forge, 'sluice', [fixedPart('validate-data', 'data report')]),
    ]);
    expect(forge.calls.filter((c) => c === 'create')).toHaveLength(2);
    expect(forge.calls.some((c) => c.startsWith('delete'))).toBe(true);
    const left = forge.all;
    expect(left).toHaveLength(1);
    expect(left[0]!.body).toContain('gate report');
    expect(left[0]!.body).toContain('data report');
    expect(a.comment.id).toBe(left[0]!.id);
    expect(b.comment.id).toBe(left[0]!.id);
  });

  it('leave exactly one comment with both reports under any interleaving', async () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const random = seededRandom(seed);
      const forge = new FakeForge({ pause: () => yieldTimes(Math.floor(random() * 4)) });
      await Promise.all([
        postStickyReports(forge, 'sluice', [fixedPart('a', 'report A')]),
        postStickyReports(forge, 'sluice', [fixedPart('b', 'report B')]),
      ]);
      const left = forge.all;
      expect(left, `seed ${seed}`).toHaveLength(1);
      expect(left[0]!.body, `seed ${seed}`).toMatch(/report A[\s\S]*report B/);
    }
  });

  it('leave exactly one comment when three jobs race', async () => {
    for (let seed = 1; seed <= 30; seed += 1) {
      const random = seededRandom(seed * 7919);
      const forge = new FakeForge({ pause: () => yieldTimes(Math.floor(random() * 4)) });
      await Promise.all(
        ['a', 'b', 'c'].map((key) => postStickyReports(forge, 'sluice', [fixedPart(key, key)])),
      );
      expect(forge.all, `seed ${seed}`).toHaveLength(1);
    }
  });
});
