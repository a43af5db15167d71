import type { Forge, ForgeComment, ForgeUser } from '../../../src/core/ports.js';

export interface FakeForgeOptions {
  maxCommentLength?: number;
  /** Runs before every operation; return a promise to let other jobs go first. */
  pause?: (operation: string) => Promise<void>;
  /** The account the token writes as. Default: the bot `sluice-bot` (id 100). */
  self?: ForgeUser;
}

/** A person who is not the token's account. */
export const STRANGER: ForgeUser = { id: '666', login: 'mallory' };

/** An in-memory forge: ids grow, listings come oldest first, deletes are idempotent. */
export class FakeForge implements Forge {
  readonly name = 'github' as const;
  readonly maxCommentLength: number;
  readonly calls: string[] = [];
  private readonly comments: ForgeComment[] = [];
  private nextId = 1;
  private readonly pause: (operation: string) => Promise<void>;
  readonly self: ForgeUser;

  constructor(options: FakeForgeOptions = {}) {
    this.maxCommentLength = options.maxCommentLength ?? 65_536;
    this.pause = options.pause ?? (() => Promise.resolve());
    this.self = options.self ?? { id: '100', login: 'sluice-bot' };
  }

  /** Adds a comment as if `author` (default: the token's own account) had written it earlier. */
  seed(body: string, author: ForgeUser = this.self): ForgeComment {
    const comment = { id: String(this.nextId++), body, author };
    this.comments.push(comment);
    return { ...comment };
  }

  get all(): ForgeComment[] {
    return this.comments.map((c) => ({ ...c }));
  }

  async currentUser(): Promise<ForgeUser> {
    await this.step('user');
    return { ...this.self };
  }

  async listComments(): Promise<ForgeComment[]> {
    await this.step('list');
    return this.all;
  }

  async createComment(body: string): Promise<ForgeComment> {
    await this.step('create');
    this.check(body);
    return this.seed(body);
  }

  async updateComment(id: string, body: string): Promise<ForgeComment> {
    await this.step(`update ${id}`);
    this.check(body);
    const comment = this.comments.find((c) => c.id === id);
    if (!comment) throw new Error(`comment ${id} not found`);
    if (comment.author !== this.self) throw new Error(`comment ${id} is not ours to edit`);
    comment.body = body;
    return { ...comment };
  }

  async deleteComment(id: string): Promise<void> {
    await this.step(`delete ${id}`);
    const index = this.comments.findIndex((c) => c.id === id);
    if (index >= 0 && this.comments[index]!.author !== this.self)
      throw new Error(`comment ${id} is not ours to delete`);
    if (index >= 0) this.comments.splice(index, 1);
  }

  private async step(operation: string): Promise<void> {
    this.calls.push(operation);
    await this.pause(operation);
  }

  private check(body: string): void {
    if (body.length > this.maxCommentLength)
      throw new Error(`body of ${body.length} > ${this.maxCommentLength}`);
  }
}

/** A small deterministic PRNG so interleavings are random yet reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** Yields to the event loop a few times, so concurrent jobs interleave. */
export async function yieldTimes(times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
