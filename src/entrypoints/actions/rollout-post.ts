import { rolloutPostCommand } from '../../core/commands/rollout.js';
import { rollout } from '../../inputs/rollout.js';
import { runAction } from './run-action.js';

// The action's post: step: a rollout its job left unfinished goes back on stable.
await runAction(rollout, rolloutPostCommand);
