import { rolloutCommand } from '../../core/commands/rollout.js';
import { rollout } from '../../inputs/rollout.js';
import { runAction } from './run-action.js';

await runAction(rollout, rolloutCommand);
