import type { CommandDef } from './types.js';
import { forgeInputs, FOLLOW_LINKS_INPUT } from './shared.js';

export const comment = {
  name: 'comment',
  summary:
    'Post every report of the run as one sticky PR/MR comment, updated in place, never duplicated.',
  inputs: [
    {
      name: 'reports',
      type: 'list',
      required: true,
      description:
        'Report JSON files (`--output json=…` of any sluice command), one per line or comma-separated; globs allowed.',
    },
    {
      name: 'comment-key',
      type: 'string',
      default: 'sluice',
      description: 'Which sticky comment to update; one comment per change request and key.',
    },
    {
      name: 'report-url',
      type: 'string',
      description:
        'Link to the full reports (e.g. the artifact), shown when the comment has to be truncated.',
    },
    {
      name: 'preview',
      type: 'string',
      description:
        'Also write the comment body to this file (to look at it, or when there is no pull request to post to).',
    },
    ...forgeInputs,
    FOLLOW_LINKS_INPUT,
  ],
  // It exists to report failures of earlier jobs, so its job runs when they fail too.
  gitlab: { when: 'always' },
  outputs: [
    {
      name: 'comment-url',
      description: 'URL of the sticky comment (empty when none was written).',
    },
    { name: 'comment-id', description: 'ID of the sticky comment (empty when none was written).' },
  ],
} as const satisfies CommandDef;
