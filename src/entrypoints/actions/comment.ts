import { commentCommand } from '../../core/commands/comment.js';
import { comment } from '../../inputs/comment.js';
import { runAction } from './run-action.js';

await runAction(comment, commentCommand);
