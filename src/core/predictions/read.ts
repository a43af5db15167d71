import { UsageError } from '../errors.js';
import { printable } from '../baseline/spec.js';
import type { SqlEngine, SqlRow } from '../data/engine.js';
import { translateEngineError } from '../data/engine-errors.js';
import { dataFiles, refuseDeepJson } from '../data/data-files.js';
import { describeSource } from '../data/describe.js';
import type { DataColumn } from '../data/checks.js';
import { scanSql } from '../data/source.js';
import type { DataSource } from '../data/source.js';
import { isNumericFamily, quoteIdent, quoteString } from '../data/sql.js';
import { SCORE_FLAGS, type ScoreOrder } from './auc.js';
import {
  MAX_UNITS,
  type ClassCells,
  type RegressionUnits,
  type Task,
  type Units,
} from './metrics.js';

/** The columns a predictions file holds, as the inputs name them. */
export interface PredictionColumns {
  id: string;
  label: string;
  prediction: string;
  score?: string;
  slices: readonly string[];
}

/** One group the comparison judges: every paired example, or one slice value. */
export interface ExampleGroup {
  /** `undefined` for every example; else the slice column and its value as text. */
  slice?: { column: string; value: string };
  examples: number;
  units: Units;
  /** Binary classification with a score column: both models' score orders, for AUC. */
  scores?: ScoreOrder;
}

interface FlippedExample {
  id: string;
  label: string;
  baseline: string;
  candidate: string;
  /** Regression: how much the absolute error grew; classification: the candidate's score. */
  change?: number;
}

export interface LoadedPredictions {
  task: Task;
  /** Why the task is what it is (given, or inferred from the label's type). */
  taskReason: string;
  classes?: string[];
  positive?: string;
  /** How the positive class was chosen (given, or the 1 of 0/1 labels). */
  positiveReason?: string;
  groups: ExampleGroup[];
  paired: number;
  /** Ids in only one of the files: counted and reported, never compared. */
  onlyCandidate: { count: number; examples: string[] };
  onlyBaseline: { count: number; examples: string[] };
  /** right → wrong and wrong → right (classification only). */
  flips?: { worse: number; better: number; worst: FlippedExample[] };
  /** Regression: the examples whose absolute error grew most. */
  worst?: FlippedExample[];
  /** Why a score column gave no AUC (more than two classes, a regression). */
  aucSkipped?: string;
}

/** More slice values than this in one column: it is not a slice column (an id, a timestamp). */
const MAX_SLICE_VALUES = 1000;
/** More classes than this: not a classification (or say `task: regression`). */
const MAX_CLASSES = 1000;
const WORST_SHOWN = 10;

const CANDIDATE = '__sluice_candidate';
const BASELINE = '__sluice_baseline';
const PAIRS = '__sluice_pairs';

interface Side {
  source: DataSource;
  columns: DataColumn[];
  role: 'predictions' | 'baseline-predictions';
  /** CSV: label, prediction and score read as written (text), typed here, not by the sniffer. */
  types: Record<string, string>;
}

function scan(side: Side): string {
  return scanSql(side.source, { types: side.types });
}

/**
 * Reads both prediction files with the engine shut in with them, checks them (columns, types,
 * nulls, duplicate ids, labels that differ), pairs them by id and returns the aggregates the
 * bootstrap needs.
 */
export async function loadPredictions(
  engine: SqlEngine,
  candidateSource: DataSource,
  baselineSource: DataSource,
  columns: PredictionColumns,
  options: { task?: Task; positiveClass?: string },
): Promise<LoadedPredictions> {
  await engine.confine([...candidateSource.paths, ...baselineSource.paths]);
  for (const source of [candidateSource, baselineSource]) {
    const files = await dataFiles(engine, source);
    await refuseDeepJson(files, source);
  }
  const candidate: Side = {
    source: candidateSource,
    columns: await describeSource(engine, candidateSource),
    role: 'predictions',
    types: {},
  };
  const baseline: Side = {
    source: baselineSource,
    columns: await describeSource(engine, baselineSource),
    role: 'baseline-predictions',
    types: {},
  };
  const needed = [
    ['id-column', columns.id],
    ['label-column', columns.label],
    ['prediction-column', columns.prediction],
    ...(columns.score !== undefined ? [['score-column', columns.score] as const] : []),
  ] as const;
  for (const side of [candidate, baseline]) {
    for (const [key, name] of needed) requireColumn(side, name, key);
  }
  for (const name of columns.slices) requireColumn(candidate, name, 'slice-columns');
  for (const side of [candidate, baseline]) await readAsWritten(engine, side, columns);
  const family = (side: Side, name: string) => side.columns.find((c) => c.name === name)!.family;
  if (columns.score !== undefined) {
    for (const side of [candidate, baseline]) {
      const kind = family(side, columns.score);
      if (!isNumericFamily(kind) && kind !== 'string')
        throw new UsageError(
          `score column \`${columns.score}\` of ${side.source.label} holds ${kind === 'boolean' ? 'true/false values' : kind === 'date' || kind === 'timestamp' ? 'dates' : 'nested values'}, not numbers`,
          {
            place: { file: side.source.label, key: 'score-column' },
            hint: 'the score is the probability (or any number ranking) of the positive class',
          },
        );
    }
  }
  const labelFamilies = [candidate, baseline].flatMap((side) => [
    family(side, columns.label),
    family(side, columns.prediction),
  ]);
  const numeric = labelFamilies.every(isNumericFamily);
  const task = options.task ?? (await inferTask(engine, candidate, columns, numeric));
  const taskReason = options.task
    ? `given (\`task: ${options.task}\`)`
    : task === 'regression'
      ? `inferred: \`${columns.label}\` holds numbers with more than ${MAX_CLASSES_INFERRED} distinct values or fractions`
      : `inferred: \`${columns.label}\` holds ${numeric ? `at most ${MAX_CLASSES_INFERRED} whole numbers` : 'text or booleans'}`;
  if (task === 'regression') {
    for (const side of [candidate, baseline]) {
      for (const [key, name] of [
        ['label-column', columns.label],
        ['prediction-column', columns.prediction],
      ] as const) {
        const column = side.columns.find((c) => c.name === name)!;
        if (!isNumericFamily(column.family))
          throw new UsageError(
            `column \`${name}\` of ${side.source.label} is not numeric (${column.type}): a regression needs numbers`,
            {
              place: { file: side.source.label, key },
              hint: 'fix the values, or set `task: classification` for class labels',
            },
          );
      }
    }
  }
  const key = (side: Side, column: string): string => {
    const q = quoteIdent(column);
    if (!isNumericFamily(family(side, column))) return `CAST(${q} AS VARCHAR)`;
    // NaN and infinities are no value: NULL here, refused by the checks below.
    const d = `CAST(${q} AS DOUBLE)`;
    if (task === 'regression') return `CASE WHEN isfinite(${d}) THEN ${d} END`;
    // 1 and 1.0 are the same class: whole numbers are written without a fraction.
    return `CASE WHEN NOT isfinite(${d}) THEN NULL WHEN ${d} = trunc(${d}) AND abs(${d}) < 1e15 THEN CAST(${d} AS BIGINT)::VARCHAR ELSE CAST(${q} AS VARCHAR) END`;
  };
  const idFamilies = [family(candidate, columns.id), family(baseline, columns.id)];
  const sameIdType =
    candidate.columns.find((c) => c.name === columns.id)!.type ===
    baseline.columns.find((c) => c.name === columns.id)!.type;
  const idSql =
    sameIdType && idFamilies[0] !== 'other'
      ? quoteIdent(columns.id)
      : `CAST(${quoteIdent(columns.id)} AS VARCHAR)`;
  const project = (side: Side, withSlices: boolean): string => {
    const parts = [
      `${idSql} AS id`,
      `${key(side, columns.label)} AS y`,
      `${key(side, columns.prediction)} AS p`,
      ...(columns.score !== undefined
        ? [`TRY_CAST(${quoteIdent(columns.score)} AS DOUBLE) AS s`]
        : []),
      ...(withSlices
        ? columns.slices.map(
            (name, i) => `coalesce(CAST(${quoteIdent(name)} AS VARCHAR), '(null)') AS s${i}`,
          )
        : []),
    ];
    return `SELECT ${parts.join(', ')} FROM ${scan(side)}`;
  };
  await keepSide(engine, CANDIDATE, project(candidate, true), candidate);
  await keepSide(engine, BASELINE, project(baseline, false), baseline);
  for (const [side, name] of [
    [candidate, CANDIDATE],
    [baseline, BASELINE],
  ] as const) {
    await checkSide(engine, side, name, columns, task);
  }
  const labelDiffers = await engine.query(
    `SELECT CAST(c.id AS VARCHAR) AS id, c.y::VARCHAR AS c, b.y::VARCHAR AS b FROM ${CANDIDATE} c JOIN ${BASELINE} b ON c.id = b.id WHERE c.y IS DISTINCT FROM b.y LIMIT 1`,
  );
  if (labelDiffers.length > 0) {
    const row = labelDiffers[0]!;
    throw new UsageError(
      `id ${show(row['id'])} has label ${show(row['c'])} in ${candidate.source.label} but ${show(row['b'])} in ${baseline.source.label}: the two files do not describe the same test set`,
      {
        place: { file: candidate.source.label, key: 'label-column' },
        hint: 'compare predictions on the same labelled examples (regenerate one of the files)',
      },
    );
  }
  const only = async (from: string, other: string) => {
    const [count] = await engine.query(
      `SELECT count(*) AS n FROM ${from} f ANTI JOIN ${other} o ON f.id = o.id`,
    );
    const examples = await engine.query(
      `SELECT CAST(f.id AS VARCHAR) AS id FROM ${from} f ANTI JOIN ${other} o ON f.id = o.id ORDER BY f.id LIMIT 5`,
    );
    return { count: Number(count?.['n'] ?? 0), examples: examples.map((r) => String(r['id'])) };
  };
  const onlyCandidate = await only(CANDIDATE, BASELINE);
  const onlyBaseline = await only(BASELINE, CANDIDATE);
  const score = columns.score !== undefined;
  await engine.keep(
    PAIRS,
    `SELECT c.id, c.y, b.p AS a, c.p AS b${score ? ', b.s AS sa, c.s AS sb' : ''}${columns.slices.map((_, i) => `, c.s${i}`).join('')} FROM ${CANDIDATE} c JOIN ${BASELINE} b ON c.id = b.id`,
  );
  const [pairedRow] = await engine.query(`SELECT count(*) AS n FROM ${PAIRS}`);
  const paired = Number(pairedRow?.['n'] ?? 0);
  if (paired === 0) {
    throw new UsageError(
      `no id of ${candidate.source.label} is in ${baseline.source.label}: nothing to compare`,
      {
        place: { file: candidate.source.label, key: 'id-column' },
        hint: `check \`id-column\` (\`${columns.id}\`) names the same examples in both files${onlyCandidate.examples[0] !== undefined ? `; e.g. ${onlyCandidate.examples[0]} is only in the candidate` : ''}`,
      },
    );
  }
  await sliceCounts(engine, columns, candidate);
  const base = {
    task,
    taskReason,
    paired,
    onlyCandidate,
    onlyBaseline,
  };
  if (task === 'classification') {
    const classified = await classification(engine, columns, score, options.positiveClass);
    if (!score) return { ...base, ...classified };
    if (classified.positive === undefined)
      return {
        ...base,
        ...classified,
        aucSkipped: `AUC needs two classes; \`${columns.label}\` holds ${classified.classes.length}`,
      };
    await scoreOrders(engine, columns, classified.positive, classified.groups);
    return { ...base, ...classified };
  }
  return {
    ...base,
    ...(await regression(engine, columns)),
    ...(score ? { aucSkipped: 'AUC is for classification; this is a regression' } : {}),
  };
}

/**
 * Both models' score orders of every group, sorted by the engine (ties by id) and streamed in
 * typed arrays: 10 M rows are ~60 MB here, never 10 M objects.
 */
async function scoreOrders(
  engine: SqlEngine,
  columns: PredictionColumns,
  positive: string,
  groups: ExampleGroup[],
): Promise<void> {
  const levels: (number | undefined)[] = [undefined, ...columns.slices.map((_, i) => i)];
  const isPositive = `CASE WHEN y = ${quoteString(positive)} THEN 1.0 ELSE 0.0 END`;
  for (const level of levels) {
    const slice = level === undefined ? undefined : `s${level}`;
    const segments: { value: string; size: number }[] = slice
      ? (
          await engine.query(
            `SELECT ${slice} AS v, count(*) AS n FROM ${PAIRS} GROUP BY ${slice} ORDER BY ${slice}`,
          )
        ).map((row) => ({ value: String(row['v']), size: Number(row['n']) }))
      : [{ value: '', size: groups[0]!.examples }];
    const total = segments.reduce((sum, s) => sum + s.size, 0);
    // Where each row's segment starts: a cursor over the segments, moved as the rows pass.
    const cursor = () => {
      let index = 0;
      let start = 0;
      let end = segments[0]?.size ?? 0;
      return (row: number): number => {
        while (row >= end && index < segments.length - 1) {
          start = end;
          end += segments[++index]!.size;
        }
        return start;
      };
    };
    const by = slice ? `${slice}, ` : '';
    const baselineFlags = new Uint8Array(total);
    let k = 0;
    let previous = Number.NaN;
    let startOf = cursor();
    for await (const chunk of engine.streamNumbers(
      `SELECT sa, ${isPositive} FROM ${PAIRS} ORDER BY ${by}sa, id`,
    )) {
      const { values, counts } = chunk;
      for (let i = 0; i < values.length; i++, k++) {
        const value = values[i]!;
        const first = startOf(k) === k || value !== previous;
        baselineFlags[k] =
          (counts![i]! > 0 ? SCORE_FLAGS.POSITIVE : 0) | (first ? SCORE_FLAGS.RUN_START : 0);
        previous = value;
      }
    }
    const candidateOrder = new Int32Array(total);
    const candidateFlags = new Uint8Array(total);
    k = 0;
    startOf = cursor();
    for await (const chunk of engine.streamNumbers(
      `SELECT sb, ra::DOUBLE FROM (SELECT sb, id${slice ? `, ${slice}` : ''}, row_number() OVER (${slice ? `PARTITION BY ${slice} ` : ''}ORDER BY sa, id) - 1 AS ra FROM ${PAIRS}) ORDER BY ${by}sb, id`,
    )) {
      const { values, counts } = chunk;
      for (let i = 0; i < values.length; i++, k++) {
        const value = values[i]!;
        const at = counts![i]!;
        const start = startOf(k);
        const first = start === k || value !== previous;
        candidateOrder[k] = at;
        candidateFlags[k] =
          (baselineFlags[start + at]! & SCORE_FLAGS.POSITIVE) | (first ? SCORE_FLAGS.RUN_START : 0);
        previous = value;
      }
    }
    let at = 0;
    for (const segment of segments) {
      const group = groups.find((g) =>
        level === undefined
          ? g.slice === undefined
          : g.slice?.column === columns.slices[level] && g.slice?.value === segment.value,
      );
      if (group)
        group.scores = {
          baselineFlags: baselineFlags.subarray(at, at + segment.size),
          candidateOrder: candidateOrder.subarray(at, at + segment.size),
          candidateFlags: candidateFlags.subarray(at, at + segment.size),
        };
      at += segment.size;
    }
  }
}

/** Up to this many distinct whole-number labels, numbers are classes when the task is not given. */
const MAX_CLASSES_INFERRED = 20;

async function inferTask(
  engine: SqlEngine,
  candidate: Side,
  columns: PredictionColumns,
  numeric: boolean,
): Promise<Task> {
  if (!numeric) return 'classification';
  const label = quoteIdent(columns.label);
  let rows: SqlRow[];
  try {
    rows = await engine.query(
      `SELECT count(DISTINCT CAST(${label} AS DOUBLE)) AS n, bool_and(CAST(${label} AS DOUBLE) = trunc(CAST(${label} AS DOUBLE))) AS whole FROM ${scan(candidate)}`,
    );
  } catch (error) {
    translateEngineError(error, candidate.source);
  }
  const row = rows[0] ?? {};
  return Number(row['n']) <= MAX_CLASSES_INFERRED && row['whole'] !== false
    ? 'classification'
    : 'regression';
}

function requireColumn(side: Side, name: string, key: string): void {
  if (side.columns.some((c) => c.name === name)) return;
  const names = side.columns.map((c) => `\`${c.name}\``);
  throw new UsageError(`${side.source.label} has no column \`${name}\``, {
    place: { file: side.source.label, key },
    hint: `its columns: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ` and ${names.length - 12} more` : ''}; set \`${key}\` to the right one`,
  });
}

/**
 * CSV: the sniffer would make `yes`/`no` booleans and a score column with one `high` text, so
 * label, prediction and score are read as written (text), and a column is numbers when every
 * value it holds is one (`inf` and `NaN` included: the checks say where they are).
 */
async function readAsWritten(
  engine: SqlEngine,
  side: Side,
  columns: PredictionColumns,
): Promise<void> {
  if (side.source.format !== 'csv') return;
  const names = [
    ...new Set([columns.label, columns.prediction, ...(columns.score ? [columns.score] : [])]),
  ];
  for (const name of names) side.types[name] = 'VARCHAR';
  let rows: SqlRow[];
  try {
    rows = await engine.query(
      `SELECT ${names.map((name, i) => `coalesce(bool_and(TRY_CAST(${quoteIdent(name)} AS DOUBLE) IS NOT NULL) FILTER (WHERE ${quoteIdent(name)} IS NOT NULL), true) AS n${i}`).join(', ')} FROM ${scan(side)}`,
    );
  } catch (error) {
    translateEngineError(error, side.source);
  }
  side.columns = side.columns.map((column) => {
    const at = names.indexOf(column.name);
    if (at < 0) return column;
    const numeric = rows[0]?.[`n${at}`] !== false;
    return numeric
      ? { ...column, type: 'DOUBLE', family: 'float' }
      : { ...column, type: 'VARCHAR', family: 'string' };
  });
}

async function keepSide(
  engine: SqlEngine,
  name: string,
  select: string,
  side: Side,
): Promise<void> {
  try {
    await engine.keep(name, select);
  } catch (error) {
    translateEngineError(error, side.source);
  }
}

/** No empty file, no missing id, label or prediction, no NaN score, no id twice. */
async function checkSide(
  engine: SqlEngine,
  side: Side,
  name: string,
  columns: PredictionColumns,
  task: Task,
): Promise<void> {
  const score = columns.score !== undefined;
  const [row] = await engine.query(
    `SELECT count(*) AS n, count(DISTINCT id) AS ids, count(*) FILTER (id IS NULL) AS null_id,
       count(*) FILTER (y IS NULL) AS bad_y, count(*) FILTER (p IS NULL) AS bad_p
       ${score ? ', count(*) FILTER (s IS NULL OR NOT isfinite(s)) AS bad_s' : ''}
     FROM ${name}`,
  );
  const file = side.source.label;
  const n = Number(row?.['n'] ?? 0);
  if (n === 0)
    throw new UsageError(`${file} holds no predictions (no rows)`, {
      place: { file, key: side.role },
      hint: 'write one row per example: id, label, prediction',
    });
  if (Number(row?.['null_id']) > 0)
    throw new UsageError(`${Number(row?.['null_id'])} rows of ${file} have no \`${columns.id}\``, {
      place: { file, key: 'id-column' },
      hint: 'every example needs an id, to pair it with the same example in the other file',
    });
  const bad: [string, string, string][] = [
    ['bad_y', columns.label, 'label-column'],
    ['bad_p', columns.prediction, 'prediction-column'],
    ...(score ? [['bad_s', columns.score!, 'score-column'] as [string, string, string]] : []),
  ];
  for (const [field, column, key] of bad) {
    const count = Number(row?.[field] ?? 0);
    if (count === 0) continue;
    // Numbers are wanted in a score, and in a regression's label and prediction.
    const numbers = field === 'bad_s' || task === 'regression';
    const where = await firstBadValue(engine, side, column, columns.id, numbers);
    throw new UsageError(
      `${file}, column \`${column}\`: ${count === 1 ? '1 row has' : `${count} rows have`} no usable value${where ? `, e.g. ${where}` : ''}`,
      {
        place: { file, key, ...(where?.line !== undefined ? { line: where.line } : {}) },
        hint: numbers
          ? `every example needs a finite number in \`${column}\` (fix or drop those rows)`
          : `every example needs a label and a prediction (fix or drop those rows)`,
      },
    );
  }
  if (Number(row?.['ids']) < n) {
    const [example] = await engine.query(
      `SELECT CAST(id AS VARCHAR) AS id, count(*) AS n FROM ${name} GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1`,
    );
    throw new UsageError(
      `${n - Number(row?.['ids'])} ids of ${file} appear more than once, e.g. id ${show(example?.['id'])} (${Number(example?.['n'])} times)`,
      {
        place: { file, key: 'id-column' },
        hint: `each example appears once; check \`id-column\` (\`${columns.id}\`) names a unique id`,
      },
    );
  }
}

interface BadValue {
  /** The file's line (CSV with a header) or row (other formats), 1-based. */
  line?: number;
  toString(): string;
}

/**
 * The first row of a file whose value in `column` is missing, or not a finite number when
 * `numbers`: its id, its line (CSV) or row, the value as written and what is wrong with it.
 */
async function firstBadValue(
  engine: SqlEngine,
  side: Side,
  column: string,
  idColumn: string,
  numbers: boolean,
): Promise<BadValue | undefined> {
  const v = quoteIdent(column);
  const many = side.source.paths.length > 1 || /[*?[\]{}]/.test(side.source.paths[0] ?? '');
  const numeric = `TRY_CAST(v AS DOUBLE)`;
  const rows = await engine.query(
    `SELECT id, v, r${many ? ', f' : ''} FROM (SELECT CAST(${quoteIdent(idColumn)} AS VARCHAR) AS id, CAST(${v} AS VARCHAR) AS v,
       row_number() OVER (${many ? 'PARTITION BY __sluice_file' : ''}) AS r${many ? ', __sluice_file AS f' : ''}
       FROM ${scanSql(side.source, { types: side.types, ...(many ? { filename: '__sluice_file' } : {}) })})
     WHERE v IS NULL${numbers ? ` OR ${numeric} IS NULL OR NOT isfinite(${numeric})` : ''} ORDER BY ${many ? 'f, ' : ''}r LIMIT 1`,
  );
  const found = rows[0];
  if (!found) return undefined;
  const raw = found['v'] === null || found['v'] === undefined ? undefined : String(found['v']);
  const value = raw === undefined ? undefined : Number(raw.trim());
  const why =
    raw === undefined || raw.trim() === ''
      ? 'is empty'
      : Number.isNaN(value) && /^[+-]?nan$/i.test(raw.trim())
        ? `holds \`${show(raw)}\` (NaN: not a number)`
        : value !== undefined && !Number.isNaN(value) && !Number.isFinite(value)
          ? `holds \`${show(raw)}\`, which is infinite`
          : /^[+-]?(inf|infinity)$/i.test(raw.trim())
            ? `holds \`${show(raw)}\`, which is infinite`
            : `holds \`${show(raw)}\`, which is not a number`;
  const csv = side.source.format === 'csv' && side.source.header !== false && !many;
  const r = Number(found['r']);
  const line = csv ? r + 1 : undefined;
  const at = many ? `row ${r} of ${show(String(found['f']))}` : csv ? `line ${r + 1}` : `row ${r}`;
  return {
    ...(line !== undefined ? { line } : {}),
    toString: () => `id ${show(found['id'])} (${at}) ${why}`,
  };
}

/** A slice column with thousands of values is an id or a timestamp, not a slice. */
async function sliceCounts(
  engine: SqlEngine,
  columns: PredictionColumns,
  candidate: Side,
): Promise<void> {
  if (columns.slices.length === 0) return;
  const [row] = await engine.query(
    `SELECT ${columns.slices.map((_, i) => `count(DISTINCT s${i}) AS s${i}`).join(', ')} FROM ${PAIRS}`,
  );
  columns.slices.forEach((name, i) => {
    const count = Number(row?.[`s${i}`] ?? 0);
    if (count > MAX_SLICE_VALUES)
      throw new UsageError(
        `slice column \`${name}\` of ${candidate.source.label} has ${count} distinct values (at most ${MAX_SLICE_VALUES})`,
        {
          place: { file: candidate.source.label, key: 'slice-columns' },
          hint: 'slice by a column of few values (a region, a segment), or bucket the values first',
        },
      );
  });
}

function groupingSets(columns: PredictionColumns, inner: string): string {
  return [`(${inner})`, ...columns.slices.map((_, i) => `(s${i}, ${inner})`)].join(', ');
}

async function classification(
  engine: SqlEngine,
  columns: PredictionColumns,
  score: boolean,
  positiveClass: string | undefined,
): Promise<
  Pick<LoadedPredictions, 'positive' | 'positiveReason' | 'groups' | 'flips'> & {
    classes: string[];
  }
> {
  const classRows = await engine.query(
    `SELECT DISTINCT v FROM (SELECT y AS v FROM ${PAIRS} UNION SELECT a FROM ${PAIRS} UNION SELECT b FROM ${PAIRS}) ORDER BY v LIMIT ${MAX_CLASSES + 1}`,
  );
  const classes = classRows.map((r) => String(r['v']));
  if (classes.length > MAX_CLASSES)
    throw new UsageError(
      `\`${columns.label}\` and \`${columns.prediction}\` hold more than ${MAX_CLASSES} classes`,
      { place: { key: 'task' }, hint: 'for numeric targets set `task: regression`' },
    );
  const chosen = choosePositive(classes, positiveClass, columns);
  const positive = chosen?.value;
  const index = new Map(classes.map((c, i) => [c, i]));
  const grouping = columns.slices.map((_, i) => `GROUPING(s${i}) AS g${i}, s${i}`).join(', ');
  const rows = await engine.query(
    `SELECT ${grouping ? `${grouping}, ` : ''}y, a, b, count(*) AS n FROM ${PAIRS} GROUP BY GROUPING SETS (${groupingSets(columns, 'y, a, b')}) ORDER BY ALL`,
  );
  const cells = new Map<string, { slice?: { column: string; value: string }; rows: SqlRow[] }>();
  for (const row of rows) {
    const at = columns.slices.findIndex((_, i) => Number(row[`g${i}`]) === 0);
    const slice =
      at >= 0 ? { column: columns.slices[at]!, value: String(row[`s${at}`]) } : undefined;
    const groupKey = slice ? `${at}\u0000${slice.value}` : '';
    let group = cells.get(groupKey);
    if (!group) {
      group = slice ? { slice, rows: [] } : { rows: [] };
      cells.set(groupKey, group);
    }
    group.rows.push(row);
  }
  const positiveIndex = positive !== undefined ? index.get(positive) : undefined;
  const groups: ExampleGroup[] = [];
  for (const [groupKey, group] of cells) {
    const k = group.rows.length;
    const units: ClassCells = {
      kind: 'classification',
      classes: classes.length,
      positive: positiveIndex,
      label: new Int32Array(k),
      baseline: new Int32Array(k),
      candidate: new Int32Array(k),
      count: new Float64Array(k),
    };
    let examples = 0;
    group.rows.forEach((row, i) => {
      units.label[i] = index.get(String(row['y']))!;
      units.baseline[i] = index.get(String(row['a']))!;
      units.candidate[i] = index.get(String(row['b']))!;
      units.count[i] = Number(row['n']);
      examples += Number(row['n']);
    });
    const entry: ExampleGroup = { examples, units, ...(group.slice ? { slice: group.slice } : {}) };
    if (groupKey === '') groups.unshift(entry);
    else groups.push(entry);
  }
  const [flipRow] = await engine.query(
    `SELECT count(*) FILTER (a = y AND b <> y) AS worse, count(*) FILTER (a <> y AND b = y) AS better FROM ${PAIRS}`,
  );
  const worstRows = await engine.query(
    `SELECT CAST(id AS VARCHAR) AS id, y, a, b${score ? ', sb' : ''} FROM ${PAIRS} WHERE a = y AND b <> y ORDER BY ${score && positive !== undefined ? `abs(sb - CASE WHEN y = ${quoteString(positive)} THEN 1 ELSE 0 END) DESC, ` : ''}id LIMIT ${WORST_SHOWN}`,
  );
  return {
    classes,
    ...(chosen ? { positive: chosen.value, positiveReason: chosen.reason } : {}),
    groups,
    flips: {
      worse: Number(flipRow?.['worse'] ?? 0),
      better: Number(flipRow?.['better'] ?? 0),
      worst: worstRows.map((r) => ({
        id: String(r['id']),
        label: String(r['y']),
        baseline: String(r['a']),
        candidate: String(r['b']),
        ...(score ? { change: Number(r['sb']) } : {}),
      })),
    },
  };
}

/**
 * The class the score and precision/recall are about. Given (`positive-class`), it must be one
 * of the two classes; else 1 of 0/1 and true of true/false; two other values are never
 * guessed (a sort order would pick `stay` over `churn`): exit 2 asking which.
 */
function choosePositive(
  classes: string[],
  given: string | undefined,
  columns: PredictionColumns,
): { value: string; reason: string } | undefined {
  const named = `\`${columns.label}\` and \`${columns.prediction}\``;
  const listed = classes.map((c) => `\`${show(c)}\``).join(' and ');
  if (given !== undefined && given.trim() !== '') {
    const text = given.trim();
    const number = Number(text);
    const found =
      classes.find((c) => c === text) ??
      classes.find((c) => c.toLowerCase() === text.toLowerCase()) ??
      classes.find((c) => text !== '' && Number.isFinite(number) && Number(c) === number);
    if (classes.length > 2)
      throw new UsageError(
        `\`positive-class: ${show(text)}\` is for two classes; ${named} hold ${classes.length}`,
        {
          place: { key: 'positive-class' },
          hint: 'leave `positive-class` out: with more classes, precision, recall and F1 are macro-averaged',
        },
      );
    if (found !== undefined) return { value: found, reason: 'given' };
    if (classes.length === 2)
      throw new UsageError(
        `\`positive-class: ${show(text)}\` is neither class of ${named}: they hold ${listed}`,
        { place: { key: 'positive-class' }, hint: `set \`positive-class\` to one of ${listed}` },
      );
    // The positive class is absent from these examples: still the one precision/recall are about.
    classes.push(text);
    classes.sort();
    return { value: text, reason: 'given; no example holds it' };
  }
  if (classes.length !== 2) return undefined;
  const lower = classes.map((c) => c.toLowerCase());
  if (lower.includes('0') && lower.includes('1'))
    return { value: classes[lower.indexOf('1')]!, reason: '1 of 0/1 labels' };
  if (lower.includes('false') && lower.includes('true'))
    return { value: classes[lower.indexOf('true')]!, reason: 'true of true/false labels' };
  throw new UsageError(
    `${named} hold two classes, ${listed}: which one is positive (the class the score and precision/recall are about)?`,
    {
      place: { key: 'positive-class' },
      hint: `set \`positive-class\` to ${listed.replace(' and ', ' or ')} (sluice does not guess from the sort order)`,
    },
  );
}

async function regression(
  engine: SqlEngine,
  columns: PredictionColumns,
): Promise<Pick<LoadedPredictions, 'groups' | 'worst'>> {
  const levels: { index?: number }[] = [{}, ...columns.slices.map((_, index) => ({ index }))];
  const groups: ExampleGroup[] = [];
  for (const level of levels) {
    const part = level.index === undefined ? '' : `PARTITION BY s${level.index}`;
    const slice = level.index === undefined ? `'' AS sv` : `s${level.index} AS sv`;
    // Each example its own unit up to MAX_UNITS examples; above, MAX_UNITS groups by id hash.
    const rows = await engine.query(
      `WITH x AS (SELECT ${slice}, (a - y) * (a - y) AS qa, (b - y) * (b - y) AS qb, abs(a - y) AS ea, abs(b - y) AS eb,
         CASE WHEN count(*) OVER (${part}) <= ${MAX_UNITS} THEN row_number() OVER (${part} ORDER BY id) ELSE hash(id) % ${MAX_UNITS} END AS u FROM ${PAIRS})
       SELECT sv, u, count(*) AS n, sum(qa) AS qa, sum(qb) AS qb, sum(ea) AS ea, sum(eb) AS eb FROM x GROUP BY sv, u ORDER BY sv, u`,
    );
    const bySlice = new Map<string, SqlRow[]>();
    for (const row of rows) {
      const value = String(row['sv']);
      const list = bySlice.get(value) ?? [];
      list.push(row);
      bySlice.set(value, list);
    }
    for (const [value, list] of bySlice) {
      const k = list.length;
      const units: RegressionUnits = {
        kind: 'regression',
        count: new Float64Array(k),
        squaredBaseline: new Float64Array(k),
        squaredCandidate: new Float64Array(k),
        absoluteBaseline: new Float64Array(k),
        absoluteCandidate: new Float64Array(k),
        grouped: false,
      };
      let examples = 0;
      list.forEach((row, i) => {
        units.count[i] = Number(row['n']);
        units.squaredBaseline[i] = Number(row['qa']);
        units.squaredCandidate[i] = Number(row['qb']);
        units.absoluteBaseline[i] = Number(row['ea']);
        units.absoluteCandidate[i] = Number(row['eb']);
        examples += Number(row['n']);
      });
      units.grouped = examples > MAX_UNITS;
      groups.push({
        examples,
        units,
        ...(level.index === undefined
          ? {}
          : { slice: { column: columns.slices[level.index]!, value } }),
      });
    }
  }
  const worstRows = await engine.query(
    `SELECT CAST(id AS VARCHAR) AS id, y, a, b, abs(b - y) - abs(a - y) AS change FROM ${PAIRS} ORDER BY change DESC, id LIMIT ${WORST_SHOWN}`,
  );
  return {
    groups,
    worst: worstRows
      .filter((r) => Number(r['change']) > 0)
      .map((r) => ({
        id: String(r['id']),
        label: String(r['y']),
        baseline: String(r['a']),
        candidate: String(r['b']),
        change: Number(r['change']),
      })),
  };
}

function show(value: unknown): string {
  return printable(String(value ?? ''));
}
