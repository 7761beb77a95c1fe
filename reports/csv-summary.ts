import { stringify } from 'csv-stringify/sync';
import type { BenchResults, BenchSystemResult } from './bench-report.ts';
import type { IntervalsReport, MaybeMs, PercentileEstimate } from './percentile-intervals.ts';

/**
 * CSV summaries of a run (one header row, one row per item; numbers plain, ms unless named
 * otherwise; an empty cell is a value that does not exist, e.g. an interval bound made infinite
 * by lost queries):
 * - summary.csv: per system, verdict and p50/p99/p99.9 with bootstrap 95% intervals and whether
 *   enough queries were measured to state each (binomial rule);
 * - paths.csv: per system and answer path, answers, accuracy and latency percentiles;
 * - ratios.csv: per pair of systems and percentile, the paired ratio with its interval.
 */

const cell = (x: MaybeMs | undefined): string | number => (x === null || x === undefined ? '' : x);
const tag = (p: number): string => `p${String(p).replace('.', '_')}`;

/** 'ok', 'insufficient' (too few queries to state it) or 'lost' (it falls on lost queries). */
export function estimateStatus(e: { valueMs?: MaybeMs; ratio?: MaybeMs; sufficient: boolean }): 'ok' | 'insufficient' | 'lost' {
  if (!e.sufficient) return 'insufficient';
  return (e.valueMs ?? e.ratio ?? null) === null ? 'lost' : 'ok';
}

export function systemVerdict(r: BenchSystemResult): 'VALID' | 'INVALID' | 'PARTIAL' {
  if (r.summary.partial) return 'PARTIAL';
  return r.summary.validity.valid ? 'VALID' : 'INVALID';
}

export function summaryCsv(results: BenchResults, intervals: IntervalsReport): string {
  const percentiles = intervals.percentiles;
  const header = [
    'system',
    'verdict',
    'reasons',
    'measured',
    'answered',
    'lost',
    'offered_rate_per_s',
    'send_lag_p99_ms',
    ...percentiles.flatMap((p) => [`${tag(p)}_ms`, `${tag(p)}_ci95_low_ms`, `${tag(p)}_ci95_high_ms`, `${tag(p)}_status`, `${tag(p)}_required_queries`]),
  ];
  const rows = results.systems.map((r) => {
    const s = intervals.systems.find((x) => x.system === r.system);
    const q = r.summary.queries;
    return [
      r.system,
      systemVerdict(r),
      r.summary.validity.reasons.join('; '),
      q.measured,
      q.answered,
      q.lost,
      Math.round(r.summary.offeredRatePerS * 100) / 100,
      r.summary.lag.p99Us / 1000,
      ...percentiles.flatMap((p) => {
        const e: PercentileEstimate | undefined = s?.estimates.find((x) => x.percentile === p);
        return e ? [cell(e.valueMs), cell(e.ci95Ms[0]), cell(e.ci95Ms[1]), estimateStatus(e), e.required] : ['', '', '', 'missing', ''];
      }),
    ];
  });
  return stringify([header, ...rows]);
}

export function pathsCsv(results: BenchResults): string {
  const header = ['system', 'path', 'answers', 'share_of_answered', 'labelled', 'correct', 'accuracy', 'p50_ms', 'p99_ms', 'p99_9_ms', 'max_ms'];
  const rows = results.systems.flatMap((r) =>
    Object.entries(r.summary.byPath).map(([path, f]) => {
      const l = f!.latencyFromScheduled;
      return [
        r.system,
        path,
        f!.answers,
        r.summary.queries.answered > 0 ? Math.round((f!.answers / r.summary.queries.answered) * 1e6) / 1e6 : '',
        f!.labelled,
        f!.correct,
        cell(f!.accuracy),
        l.p50Us / 1000,
        l.p99Us / 1000,
        l.p99_9Us / 1000,
        l.maxUs / 1000,
      ];
    }),
  );
  return stringify([header, ...rows]);
}

export function ratiosCsv(intervals: IntervalsReport): string {
  const header = ['system', 'against', 'percentile', 'paired_queries', 'ratio', 'ci95_low', 'ci95_high', 'status'];
  const rows = intervals.ratios.map((r) => [r.system, r.against, r.percentile, r.pairs, cell(r.ratio), cell(r.ci95[0]), cell(r.ci95[1]), estimateStatus(r)]);
  return stringify([header, ...rows]);
}
