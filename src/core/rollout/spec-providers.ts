import type { Node } from 'yaml';
import type { ProviderConfig } from './model.js';
import { readHeaders, readHttpPath } from './spec-values.js';
import type { YamlReader } from './yaml-reader.js';

/**
 * The metrics the HTTP probe and the replay measure (a metric's `query`, else its name, is one of
 * them). Kept equal to the clients' PROBE_METRICS and REPLAY_METRICS (test/unit/rollout/spec-wire.test.ts).
 */
export const PROVIDER_METRICS = {
  'http-probe': [
    'latency',
    'errors',
    'error_rate',
    'success_rate',
    'latency_p50',
    'latency_p95',
    'latency_p99',
  ],
  replay: ['agreement', 'prediction_psi', 'prediction_js', 'errors', 'error_rate', 'latency'],
} as const;

/** What the HTTP probe sends at most (its client refuses more). */
const MAX_PROBE_RATE = 1000;

/** A metrics provider of the rollout spec (under `providers:` or inline in a metric). */
export function readProvider(y: YamlReader, node: Node | null, path: string): ProviderConfig {
  const type = y.typeOf(node, path, ['prometheus', 'http-probe', 'replay'] as const);
  switch (type) {
    case 'prometheus': {
      const out: Partial<Extract<ProviderConfig, { type: 'prometheus' }>> = { type };
      for (const [key, value] of y.entries(
        node,
        path,
        ['type', 'url', 'headers'],
        '{ type: prometheus, url: http://127.0.0.1:9090 }',
      )) {
        if (key === 'url') out.url = y.url(value, `${path}.url`);
        else if (key === 'headers')
          out.headers = readHeaders(y, value, `${path}.headers`, '{ X-Scope-OrgID: team }');
      }
      y.required(out.url, node, `${path}.url`, 'http://127.0.0.1:9090');
      return out as ProviderConfig;
    }
    case 'http-probe': {
      const out: Partial<Extract<ProviderConfig, { type: 'http-probe' }>> = {
        type,
        rate: 10,
        timeoutMs: 5000,
      };
      for (const [key, value] of y.entries(
        node,
        path,
        ['type', 'path', 'method', 'body', 'rate', 'timeout', 'endpoints'],
        '{ type: http-probe, path: /predict, rate: 10, endpoints: { v1: http://127.0.0.1:8081 } }',
      )) {
        const p = `${path}.${key}`;
        if (key === 'path') out.path = readHttpPath(y, value, p, '/predict');
        else if (key === 'method')
          out.method = y.choice(value, p, ['GET', 'POST', 'HEAD', 'PUT'] as const);
        else if (key === 'body') out.body = y.string(value, p, '{"rows": []}');
        else if (key === 'rate')
          out.rate = y.number(value, p, { min: 0.01, max: MAX_PROBE_RATE }, '10');
        else if (key === 'timeout') {
          out.timeoutMs = y.duration(value, p);
          if (out.timeoutMs <= 0) throw y.error(`${p} must be above 0`, value, p, 'timeout: 5s');
        } else if (key === 'endpoints') out.endpoints = y.urlMap(value, p);
      }
      out.endpoints ??= {};
      return out as ProviderConfig;
    }
    case 'replay': {
      const out: Partial<Extract<ProviderConfig, { type: 'replay' }>> = { type };
      for (const [key, value] of y.entries(
        node,
        path,
        ['type', 'data', 'endpoints', 'request', 'prediction'],
        '{ type: replay, data: holdout.jsonl, request: { path: /predict }, prediction: $.prediction }',
      )) {
        const p = `${path}.${key}`;
        if (key === 'data') out.data = y.string(value, p, 'holdout.jsonl');
        else if (key === 'endpoints') out.endpoints = y.urlMap(value, p);
        else if (key === 'prediction') {
          out.prediction = y.string(value, p, '$.prediction');
          const dotted = out.prediction.trim().replace(/^\$\.?/, '');
          if (dotted !== '' && dotted.split('.').includes(''))
            throw y.error(
              `${p} ${JSON.stringify(out.prediction.slice(0, 80))} has an empty part`,
              value,
              p,
              'write it as dotted keys and list indexes, e.g. $.predictions.0 or $.output.label',
            );
        } else if (key === 'request') {
          const request: { path?: string; template?: string } = {};
          for (const [k, v] of y.entries(value, p, ['path', 'template'], '{ path: /predict }')) {
            if (k === 'path') request.path = readHttpPath(y, v, `${p}.path`, '/predict');
            else {
              request.template = y.string(v, `${p}.template`, '{"rows": [{{row}}]}');
              checkReplayTemplate(y, request.template, v, `${p}.template`);
            }
          }
          out.request = {
            path: y.required(request.path, value, `${p}.path`, '/predict'),
            ...(request.template !== undefined ? { template: request.template } : {}),
          };
        }
      }
      y.required(out.data, node, `${path}.data`, 'holdout.jsonl');
      y.required(out.request, node, `${path}.request`, '{ path: /predict }');
      y.required(out.prediction, node, `${path}.prediction`, '$.prediction');
      out.endpoints ??= {};
      return out as ProviderConfig;
    }
  }
}

/**
 * The replay's request template: `{{column}}` stands for a cell as a JSON literal, so the template
 * with every placeholder a JSON value must be JSON (the replay checks each row's columns).
 */
function checkReplayTemplate(y: YamlReader, template: string, node: Node | null, path: string) {
  try {
    JSON.parse(template.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, 'null'));
  } catch {
    throw y.error(
      `${path} is not JSON once each {{column}} is a value`,
      node,
      path,
      'put {{column}} where a JSON value goes (the cell is inserted as a JSON literal, strings quoted), e.g. {"rows": [[{{age}}, {{income}}]]}',
    );
  }
}
