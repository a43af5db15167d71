import { describe, expect, it } from 'vitest';
import { fixedPart } from '../../../src/core/comment/compose.js';
import { commentMarker } from '../../../src/core/comment/markers.js';
import { postStickyReports } from '../../../src/core/comment/post.js';
import { InfraError } from '../../../src/core/errors.js';
import { isStickyComment, upsertStickyComment } from '../../../src/core/comment/sticky.js';
import { FakeForge, seededRandom, STRANGER, yieldTimes } from './fake-forge.js';

/** Read-backs wait a few event-loop turns instead of seconds, so racing jobs still interleave. */
const fast = { sleep: () => yieldTimes(3) };

const marker = '<!-- sluice:comment:sluice -->';

describe('upsertStickyComment', () => {
  it('creates the comment with the marker on its first line when none exists', async () => {
    const forge = new FakeForge();
    forge.seed('a human comment');
    const result = await upsertStickyComment(forge, 'sluice', 'hello', fast);
    expect(result.action).toBe('created');
    expect(result.comment.body).toBe(`${marker}\nhello`);
    expect(forge.all.map((c) => c.body)).toEqual(['a human comment', `${marker}\nhello`]);
  });

  it('updates the marked comment in place', async () => {
    const forge = new FakeForge();
    const existing = forge.seed(`${marker}\nold`);
    const result = await upsertStickyComment(forge, 'sluice', 'new', fast);
    expect(result).toMatchObject({
      action: 'updated',
      comment: { id: existing.id, body: `${marker}\nnew` },
    });
    expect(forge.all).toHaveLength(1);
  });

  it('leaves an identical comment alone (no write at all)', async () => {
    const forge = new FakeForge();
    forge.seed(`${marker}\r\nsame  \n`);
    const result = await upsertStickyComment(forge, 'sluice', 'same', fast);
    expect(result.action).toBe('unchanged');
    expect(forge.calls).toEqual(['user', 'list']);
  });

  it('keeps comments of other keys and quoted markers apart', async () => {
    const forge = new FakeForge();
    forge.seed('<!-- sluice:comment:other -->\nother key');
    forge.seed(`> ${marker}\n> quoted by a person`);
    const result = await upsertStickyComment(forge, 'sluice', 'mine', fast);
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
    const result = await upsertStickyComment(forge, 'sluice', 'latest', fast);
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
    await upsertStickyComment(
      forge,
      'sluice',
      (context) => {
        seen = context;
        return 'x';
      },
      fast,
    );
    expect(seen).toEqual({ previous: ['one', 'two'], maxLength: 1000 - marker.length - 1 });
  });

  it('never writes more than the forge accepts, even for a plain string body', async () => {
    const forge = new FakeForge({ maxCommentLength: 500 });
    const result = await upsertStickyComment(forge, 'sluice', 'y'.repeat(10_000), fast);
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
      postStickyReports(forge, 'sluice', [fixedPart('quality-gate', 'gate report')], fast),
      postStickyReports(forge, 'sluice', [fixedPart('validate-data', 'data report')], fast),
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
        postStickyReports(forge, 'sluice', [fixedPart('a', 'report A')], fast),
        postStickyReports(forge, 'sluice', [fixedPart('b', 'report B')], fast),
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
        ['a', 'b', 'c'].map((key) =>
          postStickyReports(forge, 'sluice', [fixedPart(key, key)], fast),
        ),
      );
      expect(forge.all, `seed ${seed}`).toHaveLength(1);
    }
  });
});

describe('only the token’s own comments count', () => {
  it('ignores a marked comment someone else wrote: never merges, edits or deletes it', async () => {
    const forge = new FakeForge();
    const fake = `${marker}\n<!-- sluice:report:evil:start:0123456789ab -->\nfake part\n<!-- sluice:report:evil:end:0123456789ab -->`;
    const planted = forge.seed(fake, STRANGER);
    const result = await postStickyReports(forge, 'sluice', [fixedPart('gate', 'real')], fast);
    expect(result.action).toBe('created');
    expect(result.comment.body).not.toContain('fake part');
    expect(forge.all.find((c) => c.id === planted.id)?.body).toBe(fake);
    expect(forge.all).toHaveLength(2);
    expect(forge.calls.filter((c) => c.startsWith('delete') || c.startsWith('update'))).toEqual([]);
  });

  it('updates its own comment and leaves an older look-alike of a stranger alone', async () => {
    const forge = new FakeForge();
    const planted = forge.seed(`${marker}\nplanted`, STRANGER);
    const own = forge.seed(`${marker}\nold`);
    const result = await upsertStickyComment(forge, 'sluice', 'new', fast);
    expect(result).toMatchObject({ action: 'updated', comment: { id: own.id }, removed: [] });
    expect(forge.all.map((c) => c.body)).toEqual([`${marker}\nplanted`, `${marker}\nnew`]);
    expect(planted.author).toBe(STRANGER);
  });

  it('compares authors by id when both have one, else by login', async () => {
    const { writtenBy } = await import('../../../src/core/comment/sticky.js');
    const comment = (author?: { id?: string; login: string }) => ({ id: '1', body: '', author });
    expect(writtenBy(comment({ id: '7', login: 'x' }), { id: '7', login: 'renamed' })).toBe(true);
    expect(writtenBy(comment({ id: '8', login: 'bot' }), { id: '7', login: 'bot' })).toBe(false);
    expect(
      writtenBy(comment({ login: 'GitHub-Actions[bot]' }), { login: 'github-actions[bot]' }),
    ).toBe(true);
    expect(writtenBy(comment(undefined), { login: 'bot' })).toBe(false);
  });

  it('learns its account from the comment it creates when the identity call guessed wrong', async () => {
    const forge = new FakeForge({ self: { login: 'my-app[bot]' } });
    const older = forge.seed(`${marker}\nold`);
    // The identity call answers a generic bot name; the created comment shows the real author.
    forge.currentUser = () => Promise.resolve({ login: 'github-actions[bot]' });
    const result = await upsertStickyComment(forge, 'sluice', 'new', fast);
    expect(result.comment.id).toBe(older.id);
    expect(forge.all.map((c) => c.body)).toEqual([`${marker}\nnew`]);
  });
});

describe('two jobs updating the existing comment at once', () => {
  it('keeps both parts when both list before either writes (lost update)', async () => {
    const forge = new FakeForge({ pause: () => yieldTimes(1) });
    forge.seed(`${marker}\nolder content`);
    await Promise.all([
      postStickyReports(forge, 'sluice', [fixedPart('a', 'report A')], fast),
      postStickyReports(forge, 'sluice', [fixedPart('b', 'report B')], fast),
    ]);
    // Both listed before either updated: without reading back, the second write drops A.
    const calls = forge.calls;
    expect(calls.indexOf('list')).toBeLessThan(calls.findIndex((c) => c.startsWith('update')));
    expect(calls.filter((c) => c === 'list').length).toBeGreaterThanOrEqual(2);
    expect(forge.all).toHaveLength(1);
    expect(forge.all[0]!.body).toMatch(/report A[\s\S]*report B/);
  });

  it('keeps every part under any interleaving of updates', async () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const random = seededRandom(seed * 31);
      const forge = new FakeForge({ pause: () => yieldTimes(Math.floor(random() * 4)) });
      forge.seed(`${marker}\nolder content`);
      await Promise.all([
        postStickyReports(forge, 'sluice', [fixedPart('a', 'report A')], fast),
        postStickyReports(forge, 'sluice', [fixedPart('b', 'report B')], fast),
        postStickyReports(forge, 'sluice', [fixedPart('c', 'report C')], fast),
      ]);
      expect(forge.all, `seed ${seed}`).toHaveLength(1);
      expect(forge.all[0]!.body, `seed ${seed}`).toMatch(/report A[\s\S]*report B[\s\S]*report C/);
    }
  });

  it('says so clearly when other writers keep overwriting its part', async () => {
    const forge = new FakeForge();
    forge.seed(`${marker}\nolder content`);
    let writes = 0;
    // A writer that overwrites the comment right after each of our writes.
    const sleep = async () => {
      const [own] = forge.all;
      writes += 1;
      await forge.updateComment(own!.id, `${marker}\nclobbered ${writes}`);
    };
    const error = await postStickyReports(forge, 'sluice', [fixedPart('a', 'report A')], {
      sleep,
      attempts: 3,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).message).toMatch(
      /after 3 writes this run's report is still not in it/,
    );
    expect(writes).toBe(3);
  });
});
