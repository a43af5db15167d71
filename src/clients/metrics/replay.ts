import { UsageError } from '../../core/errors.js';
import type { MetricSample, MetricsProvider, MetricsQuery } from '../../core/ports.js';
import {
  agreement,
  comparePredictions,
  samePrediction,
  type Prediction,
} from '../../core/rollout/judge/index.js';
import { boundedFetch } from '../http/bounded-fetch.js';
import type { ProviderDeps } from './config.js';
import { readDataset, type DatasetRow } from './dataset.js';
import { endpointFor, joinPath, parseEndpoints } from './endpoints.js';

/**
 * The dataset replay: sends every row of a held-out dataset (CSV or JSONL, see dataset.ts) to
 * the stable and the canary version directly (their endpoints), reads each answer's prediction
 * at a dotted path (`prediction`, `predictions.0`, `output.label`; `$` or empty: the whole
 * answer) and compares them row by row. The whole dataset is replayed once per window when
 * first asked (both versions, every metric of that window share the run).
 *
 * Request body: the row as a JSON object, or `request.template` with `{{column}}` replaced by
 * the cell as a JSON literal (`{"features": [{{a}}, {{b}}]}`); the result must be JSON.
 *
 * Metrics (the analysis `query` names one):
 * - `agreement`: one sample, the share of rows both versions answered where their predictions
 *   are the same (same label; numbers within 1e-9 relative); the same for either version;
 * - `prediction_psi`, `prediction_js`: one sample, PSI and Jensen–Shannon distance between the
 *   two versions' prediction distributions (stable the reference), validate-data's formulas;
 * - `errors`: per row, 1 when the version failed it (HTTP ≥ 400, no answer, timeout, an answer
 *   that is not JSON or has nothing at the prediction path), else 0; `error_rate`: their share;
 * - `latency`: per answered row, ms to the full answer.
 * `disagreements()` gives the rows where the versions disagree most, for the report.
 * Which version is stable: `versions` in the config, else the first endpoint.
 * Bounds: MAX_ROWS rows, CONCURRENCY rows in flight, REQUEST_TIMEOUT_MS and 1 MiB per answer.
 */

export const REPLAY_METRICS = [
  'agreement',
  'prediction_psi',
  'prediction_js',
  'errors',
  'error_rate',
  'latency',
] as const;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 30_000;

export interface ReplayOptions {
  data: string;
  endpoints: Record<string, string>;
  request: { path: string; template?: string };
  prediction: string;
  versions?: { stable: string; canary: string };
  /**
   * version → headers sent with every row to that version (a blue-green preview's header route:
   * the canary's rows carry `x-sluice-preview: canary`, so a canary reached through the router
   * answers them).
   */
  versionHeaders?: Record<string, Record<string, string>>;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

interface Answer {
  prediction?: Prediction;
  latency?: number;
  error?: string;
}

interface ReplayRun {
  rows: DatasetRow[];
  at: string[];
  answers: Map<string, Answer[]>;
}

/** A row where the versions answered differently. */
export interface Disagreement {
  id: string;
  line: number;
  stable: Prediction;
  canary: Prediction;
  /** |canary − stable| for numeric predictions. */
  difference?: number;
}

export class ReplayProvider implements MetricsProvider {
  readonly name = 'dataset replay';
  private readonly endpoints: Map<string, URL>;
  private readonly stable: string;
  private readonly canary: string;
  private readonly path: string[];
  private readonly fetch: typeof fetch;
  private dataset: Promise<DatasetRow[]> | undefined;
  private readonly runs = new Map<string, Promise<ReplayRun>>();
  private last: ReplayRun | undefined;

  constructor(
    private readonly options: ReplayOptions,
    private readonly deps: ProviderDeps,
  ) {
    this.endpoints = parseEndpoints(options.endpoints, 'replay');
    const names = [...this.endpoints.keys()];
    this.stable = options.versions?.stable ?? names[0]!;
    this.canary = options.versions?.canary ?? names[1] ?? '';
    for (const version of [this.stable, this.canary])
      endpointFor(this.endpoints, version, 'replay');
    if (this.stable === this.canary)
      throw new UsageError('the replay needs two different versions to compare', {
        place: { key: 'endpoints' },
      });
    this.path = parsePath(options.prediction);
    this.fetch = boundedFetch(options.fetch ?? fetch, {
      headersTimeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
      idleTimeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
      maxBytes: 1024 * 1024,
    });
  }

  async query(
    q: MetricsQuery,
    signal?: AbortSignal,
  ): Promise<{ samples: MetricSample[] } | { noData: string }> {
    if (!(REPLAY_METRICS as readonly string[]).includes(q.metric))
      throw new UsageError(
        `the replay has no metric "${q.metric.slice(0, 80)}"; it has ${REPLAY_METRICS.join(', ')}`,
      );
    endpointFor(this.endpoints, q.version, 'replay');
    const key = `${q.from}\n${q.to}`;
    let run = this.runs.get(key);
    if (!run) {
      run = this.replay(signal);
      this.runs.set(key, run);
      if (this.runs.size > 4) this.runs.delete(this.runs.keys().next().value!);
      run.catch(() => this.runs.delete(key));
    }
    const result = await run;
    this.last = result;
    return this.metric(q.metric, q.version, result);
  }

  /** The rows where stable and canary disagree, largest numeric differences first, at most `limit`. */
  disagreements(limit = 10): Disagreement[] {
    const run = this.last;
    if (!run) return [];
    const stable = run.answers.get(this.stable)!;
    const canary = run.answers.get(this.canary)!;
    const out: Disagreement[] = [];
    run.rows.forEach((row, i) => {
      const s = stable[i]!;
      const c = canary[i]!;
      if (s.error || c.error || samePrediction(s.prediction!, c.prediction!)) return;
      const d: Disagreement = {
        id: row.id,
        line: row.line,
        stable: s.prediction!,
        canary: c.prediction!,
      };
      if (typeof s.prediction === 'number' && typeof c.prediction === 'number')
        d.difference = Math.abs(c.prediction - s.prediction);
      out.push(d);
    });
    out.sort((a, b) => (b.difference ?? Infinity) - (a.difference ?? Infinity) || a.line - b.line);
    return out.slice(0, limit);
  }

  private metric(
    metric: string,
    version: string,
    run: ReplayRun,
  ): { samples: MetricSample[] } | { noData: string } {
    const end = run.at.at(-1) ?? this.deps.clock.now().toISOString();
    if (run.rows.length === 0) return { noData: 'the replay dataset has no rows' };
    const answers = run.answers.get(version) ?? this.answersFor(version, run);
    const stable = run.answers.get(this.stable)!;
    const canary = run.answers.get(this.canary)!;
    const both = run.rows
      .map((_, i) => ({ s: stable[i]!, c: canary[i]! }))
      .filter(({ s, c }) => !s.error && !c.error);
    switch (metric) {
      case 'errors':
        return { samples: answers.map((a, i) => ({ at: run.at[i]!, value: a.error ? 1 : 0 })) };
      case 'error_rate':
        return {
          samples: [{ at: end, value: answers.filter((a) => a.error).length / answers.length }],
        };
      case 'latency': {
        const samples: MetricSample[] = [];
        answers.forEach((a, i) => {
          if (a.latency !== undefined) samples.push({ at: run.at[i]!, value: a.latency });
        });
        return samples.length
          ? { samples }
          : { noData: `${version} answered none of the replayed rows` };
      }
      default: {
        if (both.length === 0)
          return { noData: 'no replayed row was answered by both versions: nothing to compare' };
        if (metric === 'agreement')
          return {
            samples: [
              {
                at: end,
                value: agreement(
                  both.map(({ s, c }) => ({ stable: s.prediction!, canary: c.prediction! })),
                ),
              },
            ],
          };
        const compared = comparePredictions(
          both.map(({ s }) => s.prediction!),
          both.map(({ c }) => c.prediction!),
        )!;
        return {
          samples: [
            { at: end, value: metric === 'prediction_psi' ? compared.psi : compared.jensenShannon },
          ],
        };
      }
    }
  }

  private answersFor(version: string, run: ReplayRun): Answer[] {
    return run.answers.get(version) ?? run.rows.map(() => ({ error: 'not replayed' }));
  }

  private async replay(signal?: AbortSignal): Promise<ReplayRun> {
    this.dataset ??= readDataset(this.options.data);
    const rows = await this.dataset;
    const bodies = rows.map((row) => this.body(row));
    const run: ReplayRun = { rows, at: [], answers: new Map() };
    const versions = [this.stable, this.canary];
    for (const v of versions) run.answers.set(v, new Array<Answer>(rows.length));
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const i = next++;
        signal?.throwIfAborted();
        run.at[i] = this.deps.clock.now().toISOString();
        await Promise.all(
          versions.map(async (v) => {
            run.answers.get(v)![i] = await this.send(v, bodies[i]!, signal);
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
    signal?.throwIfAborted();
    return run;
  }

  private body(row: DatasetRow): string {
    const template = this.options.request.template;
    if (template === undefined) return JSON.stringify(row.values);
    const text = template.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (_, name: string) => {
      if (!Object.prototype.hasOwnProperty.call(row.values, name))
        throw new UsageError(
          `the replay request template names the column "${name.slice(0, 80)}", which line ${row.line} of the dataset does not have`,
          {
            place: { key: 'request.template' },
          },
        );
      return JSON.stringify(row.values[name] ?? null);
    });
    try {
      JSON.parse(text);
    } catch {
      throw new UsageError(
        `the replay request template does not give JSON for line ${row.line} of the dataset`,
        {
          place: { key: 'request.template' },
          hint: 'put {{column}} where a JSON value goes: the cell is inserted as a JSON literal (strings quoted)',
        },
      );
    }
    return text;
  }

  private async send(version: string, body: string, signal?: AbortSignal): Promise<Answer> {
    const url = joinPath(this.endpoints.get(version)!, this.options.request.path);
    const started = performance.now();
    let text: string;
    let status: number;
    try {
      const response = await this.fetch(url, {
        method: 'POST',
        headers: {
          ...this.options.versionHeaders?.[version],
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body,
        ...(signal ? { signal } : {}),
      });
      text = await response.text();
      status = response.status;
    } catch (error) {
      if (signal?.aborted) throw error;
      return { error: 'no answer' };
    }
    const latency = performance.now() - started;
    if (status >= 400) return { latency, error: `HTTP ${status}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { latency, error: 'the answer is not JSON' };
    }
    const prediction = pick(parsed, this.path);
    if (prediction === undefined)
      return { latency, error: `no prediction at ${this.options.prediction}` };
    return { latency, prediction };
  }
}

function parsePath(path: string): string[] {
  const trimmed = path.trim().replace(/^\$\.?/, '');
  if (trimmed === '') return [];
  const parts = trimmed.split('.');
  if (parts.some((p) => p === ''))
    throw new UsageError(`the replay's prediction path "${path.slice(0, 80)}" has an empty part`, {
      place: { key: 'prediction' },
      hint: 'write it as dotted keys and list indexes, e.g. predictions.0 or output.label',
    });
  return parts;
}

/** The value at the dotted path: a label, number, boolean or null; other values as JSON text. */
function pick(value: unknown, path: readonly string[]): Prediction | undefined {
  let current = value;
  for (const part of path) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) return undefined;
      current = current[Number(part)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
      current = (current as Record<string, unknown>)[part];
    } else return undefined;
  }
  if (current === undefined) return undefined;
  if (
    current === null ||
    typeof current === 'string' ||
    typeof current === 'number' ||
    typeof current === 'boolean'
  )
    return current;
  return JSON.stringify(current).slice(0, 1000);
}
