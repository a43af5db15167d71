import { describe, expect, it } from 'vitest';
import { gitlabRunContext } from '../../../src/platforms/gitlab/context.js';

const MERGE = 'm'.repeat(40);
const HEAD = 'h'.repeat(40);
const mergeRequest = {
  CI_COMMIT_SHA: MERGE,
  CI_MERGE_REQUEST_IID: '3',
  CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
};

describe('GitLab run context', () => {
  it('takes the source branch commit as the head of a merged-results pipeline, not the merge commit', () => {
    const context = gitlabRunContext(
      { ...mergeRequest, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD },
      '/w',
    );
    expect(context.changeRequest?.headSha).toBe(HEAD);
    // The checkout itself is still the merge commit.
    expect(context.commit?.sha).toBe(MERGE);
  });

  it('takes CI_COMMIT_SHA in other merge request pipelines, where the source sha is empty', () => {
    for (const source of [undefined, '']) {
      const context = gitlabRunContext(
        { ...mergeRequest, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: source },
        '/w',
      );
      expect(context.changeRequest?.headSha).toBe(MERGE);
    }
  });

  it('ranks the run by pipeline, then job, so a retried job outranks its first try', () => {
    expect(gitlabRunContext({ CI_PIPELINE_ID: '900', CI_JOB_ID: '5012' }, '/w').runRank).toEqual([
      900, 5012,
    ]);
    expect(gitlabRunContext({ CI_PIPELINE_ID: '900' }, '/w').runRank).toBeUndefined();
  });
});
