import { commentCommand } from '../../app/comment-command.js';
import { comment } from '../../inputs/comment.js';
import { runAction } from './run-action.js';

await runAction(comment, commentCommand);
