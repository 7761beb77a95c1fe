import { readFileSync } from 'node:fs';
import { BENCH_RESULTS_SCHEMA, type BenchResults } from './bench-report.ts';
import { markdownTable } from './format.ts';
import { checkShape, shape as s, shapeRows, type Shape } from './json-shape.ts';

/**
 * The documented schema of a bench run's results.json ('parm-bench/bench-results@1'): one
 * description that validates the file (readBenchResults) and renders its documentation
 * (resultsSchemaMarkdown, kept in reports/results-schema.md). Latencies are microseconds unless
 * a field says otherwise. Objects may carry fields not listed here (later additions within
 * version 1); every listed field is required unless marked optional. A change that removes or
 * retypes a field must bump the version.
 */

const latency = (doc: string): Shape =>
  s.object(doc, {
    count: s.count('values recorded'),
    meanUs: s.number('mean, µs', { min: 0 }),
    p50Us: s.number('median, µs (HdrHistogram nearest rank, see percentileDefinition)', { min: 0 }),
    p90Us: s.number('90th percentile, µs', { min: 0 }),
    p99Us: s.number('99th percentile, µs', { min: 0 }),
    p99_5Us: s.number('99.5th percentile, µs', { min: 0 }),
    p99_9Us: s.number('99.9th percentile, µs', { min: 0 }),
    maxUs: s.number('largest value, µs', { min: 0 }),
    clampedAboveRange: s.count('values above 10 minutes, recorded as 10 minutes'),
  });

const accuracyFields = {
  labelled: s.count('answers whose query had a label'),
  correct: s.count('labelled answers equal to the label'),
  accuracy: s.nullable(s.number('correct / labelled', { min: 0, max: 1 }), 'correct / labelled; null when no answer had a label'),
};

const pathFigures = s.object('the measured answers given by one path', {
  answers: s.count('answers given by this path'),
  ...accuracyFields,
  latencyFromScheduled: latency('latency of these answers from their scheduled send time'),
});

const summary = s.object("the load driver's summary of one system's run (LoadRunSummary, schema parm-bench/load-run@1)", {
  schema: s.literal('parm-bench/load-run@1', 'version of this summary'),
  system: s.string('system measured', true),
  arrivals: s.record(s.any('arrival process setting'), 'the arrival process as configured'),
  settings: s.record(s.any('driver setting'), "the driver's settings (warm-up, duration, bounds)"),
  partial: s.boolean('true when the run ended early; the figures cover what was measured until then'),
  endedEarly: s.nullable(s.string('why the run ended early'), 'why the run ended early, or null'),
  validity: s.object('whether the figures may be used', {
    valid: s.boolean('true when every condition held'),
    reasons: s.array(s.string('one failed condition, with its figures'), 'every failed condition'),
  }),
  startedAt: s.string('ISO time the run started', true),
  elapsedMs: s.number('run start to end, drain included, ms', { min: 0 }),
  measuredWindowMs: s.number('length of the measured window (scheduled times), ms', { min: 0 }),
  offeredRatePerS: s.number('measured queries / measured window, queries per second', { min: 0 }),
  queries: s.object('query counts', {
    submitted: s.count('queries sent, warm-up included'),
    warmup: s.count('warm-up queries'),
    measured: s.count('measured queries (answered + lost)'),
    answered: s.count('measured queries answered'),
    lost: s.count('measured queries never answered'),
    lostByReason: s.record(s.count('queries lost for this reason'), 'lost queries (warm-up too) by reason'),
    unexpectedEvents: s.count('answers or losses reported for queries that were not open'),
  }),
  latencyFromScheduled: latency("latency from each query's scheduled send time (the headline figure)"),
  latencyFromSubmit: latency('latency from the moment each query was handed to the system'),
  byPath: s.record(pathFigures, 'answers per path (original, reconstruction, replica, hedge, backup, default)'),
  accuracy: s.object('accuracy over all measured answers', accuracyFields),
  warmup: s.object('warm-up queries (excluded from every other figure)', {
    answered: s.count('warm-up queries answered'),
    lost: s.count('warm-up queries lost'),
    latencyFromScheduled: latency('latency of the warm-up answers'),
  }),
  lag: s.object("the driver's send lag: actual minus scheduled send time of measured queries", {
    count: s.count('queries measured'),
    meanUs: s.number('mean, µs', { min: 0 }),
    p50Us: s.number('median, µs', { min: 0 }),
    p99Us: s.number('99th percentile, µs', { min: 0 }),
    maxUs: s.number('largest, µs', { min: 0 }),
  }),
  eventLoopDelay: s.nullable(
    s.object("the driver process' event-loop delay", {
      resolutionMs: s.number('sampling interval, ms', { min: 0 }),
      samples: s.count('samples'),
      meanMs: s.number('mean, ms', { min: 0 }),
      p50Ms: s.number('median, ms', { min: 0 }),
      p99Ms: s.number('99th percentile, ms', { min: 0 }),
      maxMs: s.number('largest, ms', { min: 0 }),
    }),
    "the driver process' event-loop delay; null under a manual or virtual clock",
  ),
  sampleSize: s.object('whether enough queries were measured for the percentile the run claims (binomial rule)', {
    percentile: s.number('percentile claimed', { min: 0, max: 100 }),
    confidence: s.number('confidence of the rule', { min: 0, max: 1 }),
    overBound: s.count('measured queries over the latency bound'),
    latencyBoundMs: s.nullable(s.number('latency bound, ms', { min: 0 }), 'latency bound, ms, or null'),
    required: s.number('queries needed', { min: 0 }),
    measured: s.count('queries measured'),
    enough: s.boolean('measured >= required'),
    rule: s.string('the rule, in words'),
  }),
  percentileDefinition: s.string('how percentiles are defined', true),
  records: s.nullable(
    s.object('the per-query records file', {
      path: s.string('absolute path when written', true),
      complete: s.boolean('false when the run was interrupted and the file kept its .partial name'),
      count: s.count('records written (warm-up included)'),
    }),
    'the per-query records file, or null when none was written',
  ),
  systemStats: s.nullable(s.record(s.any('counter'), "the system's counters"), "the system's own counters at the end, or null"),
});

const ci95 = (doc: string): Shape => s.array(s.nullable(s.number('bound')), `${doc}: [low, high] (null when infinite: lost queries)`, 2);
const ratio = (doc: string): Shape => s.nullable(s.number(doc, { min: 0 }), `${doc}; null when infinite or undefined (lost queries, zero gap)`);

const comparison = s.object("ParM against one other system (ratios are ParM / other; percentiles linear-interpolated over the per-query records)", {
  system: s.string('the system compared (parm)', true),
  against: s.string('the system it is compared against', true),
  queries: s.object('measured queries of each', { system: s.count('of system'), against: s.count('of against') }),
  medianMs: s.object('medians, ms', { system: ratio('median of system, ms'), against: ratio('median of against, ms') }),
  gapMs: s.object('p99.9 - p50, ms', { system: ratio('gap of system, ms'), against: ratio('gap of against, ms') }),
  medianRatio: ratio('median ratio'),
  medianRatioCi95: ci95('bootstrap 95% interval of the median ratio'),
  gapRatio: ratio('gap ratio'),
  gapRatioCi95: ci95('bootstrap 95% interval of the gap ratio'),
  bootstrap: s.object(
    'the bootstrap',
    {
      resamples: s.count('resamples'),
      seed: s.number('seed', { integer: true, min: 0 }),
      paired: s.boolean('true when each resample drew the same queries from both systems (one schedule, aligned by query id)'),
      method: s.string(
        '"resample" when every resample was drawn in full (systems of at most 100,000 measured queries); "order-statistics" when the same multinomial resamples were drawn through only the order statistics the percentiles need (larger systems; the same bootstrap distribution, see reports/order-statistic-bootstrap.ts). Absent in results written before it was added: "resample"',
        true,
      ),
    },
    ['paired', 'method'],
  ),
});

export const BENCH_RESULTS_SHAPE: Shape = s.object('a bench run: every measured system under one seeded schedule', {
  schema: s.literal(BENCH_RESULTS_SCHEMA, 'version of this file'),
  workload: s.string('workload name', true),
  createdAt: s.string('ISO time the run was started', true),
  partial: s.boolean('true when the run was stopped (Ctrl-C, error) before every system was measured in full'),
  stoppedBecause: s.nullable(s.string('why the run was stopped'), 'why the run was stopped, or null'),
  systemsPlanned: s.array(s.string('system name', true), 'systems the run was to measure, in order'),
  accuracyNote: s.string('why accuracy is (or is not) reported'),
  systems: s.array(
    s.object('one measured system', {
      system: s.string('system name', true),
      summary,
      contention: s.object('how the contention schedule was played against this system', {
        applied: s.count('actions applied'),
        skipped: s.count('actions on machines where this system had no instance'),
        failed: s.count('actions that failed'),
        errors: s.array(
          s.object('one failed action', { atMs: s.number('scheduled time, ms'), kind: s.string('event kind'), error: s.string('the error') }),
          'the first failures',
        ),
        maxLatenessMs: s.number('largest lateness of an action against its schedule, ms', { min: 0 }),
      }),
      neighbour: s.object("the inference-heavy neighbour's queries", {
        sent: s.count('sent'),
        answered: s.count('answered'),
        failed: s.count('failed'),
        skipped: s.count('skipped (too many open)'),
      }),
      files: s.object("this system's files, relative to the run directory", {
        summary: s.string('summary.json', true),
        records: s.string('records.ndjson (per-query records, one JSON object per line)', true),
      }),
    }),
    'measured systems, in the order run',
  ),
  comparisons: s.array(comparison, 'ParM against each other measured system'),
});

/** An error in a results file: names the file and every field that does not fit. */
export class ResultsFileError extends Error {
  constructor(
    readonly path: string,
    readonly fieldErrors: readonly string[],
    message: string,
  ) {
    super(message);
    this.name = 'ResultsFileError';
  }
}

/** Checks a parsed results.json; returns the field errors (empty when it fits the schema). */
export function benchResultsErrors(value: unknown): string[] {
  if (typeof value === 'object' && value !== null && 'schema' in value && (value as { schema: unknown }).schema !== BENCH_RESULTS_SCHEMA) {
    return [`results.schema: expected ${JSON.stringify(BENCH_RESULTS_SCHEMA)}, got ${JSON.stringify((value as { schema: unknown }).schema)} (a results file of another version: re-run bench with this version, or read it with the version that wrote it)`];
  }
  return checkShape(BENCH_RESULTS_SHAPE, value, 'results');
}

/** Reads and validates a results.json; throws ResultsFileError naming the file and fields. */
export function readBenchResults(path: string): BenchResults {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ResultsFileError(path, [], `${path}: cannot read the results file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a run directory written by \`parm-bench bench\``);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(path, [], `${path}: not valid JSON (${(error as Error).message}); the file is damaged: re-run bench`);
  }
  const errors = benchResultsErrors(value);
  if (errors.length > 0) {
    throw new ResultsFileError(
      path,
      errors,
      `${path}: does not fit the ${BENCH_RESULTS_SCHEMA} schema (see reports/results-schema.md):\n  ${errors.slice(0, 20).join('\n  ')}` +
        (errors.length > 20 ? `\n  ... and ${errors.length - 20} more` : ''),
    );
  }
  return value as BenchResults;
}

/** The documentation of results.json (the content of reports/results-schema.md). */
export function resultsSchemaMarkdown(): string {
  return [
    `# results.json (\`${BENCH_RESULTS_SCHEMA}\`)`,
    '',
    'Written by `parm-bench bench` into every run directory (and into each point of a sweep), checked field by field by ' +
      '`readBenchResults` (reports/results-schema.ts) whenever a report is made from it. This page is generated from that ' +
      'description (`resultsSchemaMarkdown()`); a test keeps the two equal.',
    '',
    '- Latencies are microseconds (`…Us`) unless the name says ms.',
    '- Every listed field is required unless marked optional; objects may carry fields not listed here (additions within version 1).',
    '- JSON has no infinity: a ratio or bound that is infinite (a system lost queries) is written as null.',
    '- A change that removes or retypes a field bumps the version after the `@`.',
    '',
    // Left-aligned: every column is text.
    markdownTable(['field', 'type', 'meaning'], shapeRows(BENCH_RESULTS_SHAPE, 'results').map(([f, t, d]) => [`\`${f}\``, t, d])).replace('| --- | ---: | ---: |', '| --- | --- | --- |'),
    '',
  ].join('\n');
}
