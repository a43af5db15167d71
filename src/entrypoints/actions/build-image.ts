import { buildImageCommand } from '../../core/commands/build-image.js';
import { buildImage } from '../../inputs/build-image.js';
import { runAction } from './run-action.js';

await runAction(buildImage, buildImageCommand);
