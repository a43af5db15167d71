import { describe, expect, it } from 'vitest';
import { decideComment } from '../../../src/core/comment/decide.js';

describe('decideComment', () => {
  it('posts with a token on a pull request from the same repository', () => {
    expect(
      decideComment({ hasToken: true, hasChangeRequest: true, isFork: false, platform: 'github' }),
    ).toEqual({ post: true });
  });

  it('does not post outside a pull request, in each platform’s terms', () => {
    expect(
      decideComment({ hasToken: true, hasChangeRequest: false, isFork: false, platform: 'github' }),
    ).toEqual({ post: false, reason: expect.stringMatching(/^this run is not a pull request/) });
    expect(
      decideComment({ hasToken: true, hasChangeRequest: false, isFork: false, platform: 'gitlab' }),
    ).toEqual({
      post: false,
      reason: expect.stringMatching(/^this pipeline is not a merge request pipeline/),
    });
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
    expect(!decision.post && decision.reason).toMatch(/^merge request from a fork/);
  });

  it('does not post without a token, and says what to set', () => {
    expect(
      decideComment({ hasToken: false, hasChangeRequest: true, isFork: false, platform: 'github' }),
    ).toEqual({ post: false, reason: expect.stringMatching(/^no token was given \(set `token`/) });
    expect(
      decideComment({ hasToken: false, hasChangeRequest: true, isFork: false, platform: 'gitlab' }),
    ).toEqual({ post: false, reason: expect.stringMatching(/SLUICE_GITLAB_TOKEN/) });
  });
});
