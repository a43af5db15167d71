import { inferSchemaCommand } from '../../core/commands/infer-schema.js';
import { inferSchema } from '../../inputs/infer-schema.js';
import { actionsCacheStore } from '../../platforms/github/actions-cache.js';
import { runAction } from './run-action.js';

await runAction(inferSchema, inferSchemaCommand, { duckDbStore: actionsCacheStore });
