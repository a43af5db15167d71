import { describe, expect, it } from 'vitest';
import { decideComment } from '../../../src/core/comment/decide.js';

describe('decideComment', () => {
  it('posts with a token on a pull request from the same repository', () => {
    expect(decideComment({ hasToken: true, hasChangeRequest: true, isFork: false })).toEqual({
      post: true,
    });
  });

  it('does not post outside a pull request', () => {
    const decision = decideComment({ hasToken: true, hasChangeRequest: false, isFork: false });
    expect(decision).toEqual({ post: false, reason: expect.stringMatching(/^Not a pull request/) });
  });

  it('does not post from a fork and points to the workflow_run pattern', () => {
    const decision = decideComment({
      hasToken: true,
      hasChangeRequest: true,
      isFork: true,
      platform: 'github',
    });
    expect(decision.post).toBe(false);
    expect(!decision.post && decision.reason).toMatch(
      /fork: the token is read-only; use the workflow_run pattern.*docs\//,
    );
  });

  it('explains the GitLab fork case in GitLab terms', () => {
    const decision = decideComment({
      hasToken: true,
      hasChangeRequest: true,
      isFork: true,
      platform: 'gitlab',
    });
    expect(!decision.post && decision.reason).toMatch(/^Merge request from a fork/);
  });

  it('does not post without a token', () => {
    const decision = decideComment({ hasToken: false, hasChangeRequest: true, isFork: false });
    expect(decision).toEqual({ post: false, reason: expect.stringMatching(/^No token given/) });
  });
});
