import { pushImageCommand } from '../../core/commands/push-image.js';
import { pushImage } from '../../inputs/push-image.js';
import { runAction } from './run-action.js';

await runAction(pushImage, pushImageCommand);
