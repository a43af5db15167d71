/**
 * Registers every metrics parser up front, so the synchronous parseMetrics reads all formats.
 * For callers without an await (tests, benchmarks); the commands use parseMetricsText.
 */
import { parseTomlTree } from './formats/toml.js';
import { parseYamlTree } from './formats/yaml.js';
import { treeParsers } from './load.js';

treeParsers.yaml = parseYamlTree;
treeParsers.toml = parseTomlTree;

export { parseMetrics, loadMetricsFile } from './load.js';
