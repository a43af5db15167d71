import type { Node } from 'yaml';
import type { ProviderConfig } from './model.js';
import type { YamlReader } from './yaml-reader.js';

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
          out.headers = y.stringMap(value, `${path}.headers`, '{ X-Scope-OrgID: team }');
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
        if (key === 'path') out.path = y.string(value, p, '/predict');
        else if (key === 'method')
          out.method = y.choice(value, p, ['GET', 'POST', 'HEAD', 'PUT'] as const);
        else if (key === 'body') out.body = y.string(value, p, '{"rows": []}');
        else if (key === 'rate') out.rate = y.number(value, p, { min: 0.01, max: 10_000 }, '10');
        else if (key === 'timeout') out.timeoutMs = y.duration(value, p);
        else if (key === 'endpoints') out.endpoints = y.urlMap(value, p);
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
        else if (key === 'prediction') out.prediction = y.string(value, p, '$.prediction');
        else if (key === 'request') {
          const request: { path?: string; template?: string } = {};
          for (const [k, v] of y.entries(value, p, ['path', 'template'], '{ path: /predict }')) {
            if (k === 'path') request.path = y.string(v, `${p}.path`, '/predict');
            else request.template = y.string(v, `${p}.template`, '{"rows": [{{row}}]}');
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
