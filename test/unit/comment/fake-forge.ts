import type { Forge, ForgeComment } from '../../../src/core/ports.js';

export interface FakeForgeOptions {
  maxCommentLength?: number;
  /** Runs before every operation; return a promise to let other jobs go first. */
  pause?: (operation: string) => Promise<void>;
}

/** An in-memory forge: ids grow, listings come oldest first, deletes are idempotent. */
export class FakeForge implements Forge {
  readonly name = 'github' as const;
  readonly maxCommentLength: number;
  readonly calls: string[] = [];
  private readonly comments: ForgeComment[] = [];
  private nextId = 1;
  private readonly pause: (operation: string) => Promise<void>;

  constructor(options: FakeForgeOptions = {}) {
    this.maxCommentLength = options.maxCommentLength ?? 65_536;
    this.pause = options.pause ?? (() => Promise.resolve());
  }

  /** Adds a comment as if someone had written it earlier. */
  seed(body: string): ForgeComment {
    const comment = { id: String(this.nextId++), body };
    this.comments.push(comment);
    return { ...comment };
  }

  get all(): ForgeComment[] {
    return this.comments.map((c) => ({ ...c }));
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
    comment.body = body;
    return { ...comment };
  }

  async deleteComment(id: string): Promise<void> {
    await this.step(`delete ${id}`);
    const index = this.comments.findIndex((c) => c.id === id);
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
