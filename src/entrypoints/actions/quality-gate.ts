import { runQualityGate } from '../../core/commands/quality-gate.js';
import { qualityGate } from '../../inputs/quality-gate.js';
import { runAction } from './run-action.js';

await runAction(qualityGate, runQualityGate);
