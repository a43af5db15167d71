import { validateDataCommand } from '../../core/commands/validate-data.js';
import { validateData } from '../../inputs/validate-data.js';
import { actionsCacheStore } from '../../platforms/github/actions-cache.js';
import { runAction } from './run-action.js';

await runAction(validateData, validateDataCommand, { duckDbStore: actionsCacheStore });
