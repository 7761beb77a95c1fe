import type { BenchResults } from './bench-report.ts';
import { estimateStatus, systemVerdict } from './csv-summary.ts';
import { percent } from './format.ts';
import type { IntervalsReport, MaybeMs } from './percentile-intervals.ts';
import type { RunManifest } from './run-manifest.ts';
import type { RunVerdict } from './run-verdict.ts';

/**
 * The tables of a run report, as header + rows of text, shared by report.md and report.html so
 * the two always say the same thing.
 */
export interface ReportTable {
  readonly title: string;
  readonly note?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const ms = (x: MaybeMs): string => (x === null ? '∞' : x >= 100 ? x.toFixed(1) : x.toFixed(2));
const interval = (ci: readonly [MaybeMs, MaybeMs]): string => `[${ms(ci[0])}, ${ms(ci[1])}]`;
const ratio = (x: MaybeMs): string => (x === null ? 'n/a' : x.toFixed(3));

/** A percentile with too few queries is shown as insufficient, its value only in brackets as an indication. */
function estimateCell(e: { valueMs: MaybeMs; ci95Ms: readonly [MaybeMs, MaybeMs]; sufficient: boolean; required: number }, measured: number): string {
  const status = estimateStatus(e);
  if (status === 'insufficient') return `insufficient (${measured} < ${e.required} queries; indication ${ms(e.valueMs)})`;
  if (status === 'lost') return '∞ (lost queries)';
  return `${ms(e.valueMs)} ${interval(e.ci95Ms)}`;
}

export function percentileTable(results: BenchResults, intervals: IntervalsReport): ReportTable {
  return {
    title: 'Latency percentiles',
    note:
      "Latency from each query's scheduled send time, ms, over the measured queries (warm-up excluded), linear-interpolated; " +
      `[95% bootstrap interval, ${intervals.bootstrap.resamples} resamples]. A percentile is stated only with at least as many queries as ` +
      `the binomial rule asks (${Math.round(intervals.confidence * 100)}% confidence, none over the bound); lost queries count as infinitely slow.`,
    header: ['system', 'verdict', 'measured', 'lost', ...intervals.percentiles.map((p) => `p${p} ms`)],
    rows: results.systems.map((r) => {
      const s = intervals.systems.find((x) => x.system === r.system);
      return [
        r.system,
        systemVerdict(r),
        String(r.summary.queries.measured),
        String(r.summary.queries.lost),
        ...intervals.percentiles.map((p) => {
          const e = s?.estimates.find((x) => x.percentile === p);
          return e ? estimateCell(e, s!.measured) : 'n/a';
        }),
      ];
    }),
  };
}

export function ratioTable(intervals: IntervalsReport): ReportTable {
  return {
    title: 'Ratios between systems (paired by query)',
    note:
      'percentile(system) / percentile(against) over the queries measured in both; every system replays the same seeded schedule, so ' +
      'query i of one is paired with query i of the other in each bootstrap resample. Below 1: the first system is faster.',
    header: ['system', 'against', 'percentile', 'pairs', 'ratio [95% CI]'],
    rows: intervals.ratios.map((r) => {
      const status = estimateStatus(r);
      const value =
        status === 'insufficient' ? `insufficient (${r.pairs} pairs; indication ${ratio(r.ratio)})` : status === 'lost' ? 'n/a (lost queries)' : `${ratio(r.ratio)} [${ratio(r.ci95[0])}, ${ratio(r.ci95[1])}]`;
      return [r.system, r.against, `p${r.percentile}`, String(r.pairs), value];
    }),
  };
}

export function pathTable(results: BenchResults): ReportTable {
  return {
    title: 'Answers per path',
    note: 'Who answered each measured query (original model, ParM reconstruction, replica, hedge, backup, default), with accuracy against the labels and latency (HdrHistogram percentiles, ms).',
    header: ['system', 'path', 'answers', 'share', 'accuracy', 'p50 ms', 'p99 ms', 'p99.9 ms'],
    rows: results.systems.flatMap((r) =>
      Object.entries(r.summary.byPath).map(([path, f]) => [
        r.system,
        path,
        String(f!.answers),
        r.summary.queries.answered > 0 ? percent(f!.answers / r.summary.queries.answered) : 'n/a',
        f!.accuracy === null ? 'n/a' : percent(f!.accuracy),
        (f!.latencyFromScheduled.p50Us / 1000).toFixed(2),
        (f!.latencyFromScheduled.p99Us / 1000).toFixed(2),
        (f!.latencyFromScheduled.p99_9Us / 1000).toFixed(2),
      ]),
    ),
  };
}

export function verdictTable(verdict: RunVerdict): ReportTable {
  return {
    title: `Verdict: ${verdict.verdict}`,
    header: ['reason'],
    rows: verdict.reasons.length > 0 ? verdict.reasons.map((r) => [r]) : [['every system: no query lost, the driver kept to the schedule, enough queries for the claimed percentile']],
  };
}

export function manifestTable(manifest: RunManifest): ReportTable {
  const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return {
    title: 'Run',
    header: ['item', 'value'],
    rows: [
      ['git', `${manifest.git.sha}${manifest.git.dirty ? ' (work tree had changes)' : ''}`],
      ['configuration sha256', manifest.configurationSha256],
      ['seeds', Object.entries(manifest.seeds).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['backend', manifest.backend],
      ['systems', manifest.systems.join(', ')],
      ['started', manifest.startedAt],
      ['ended', manifest.endedAt ?? 'n/a'],
      ['host', `${manifest.host.cpuModel}, ${manifest.host.cores} cores, ${gb(manifest.host.memoryBytes)}, ${manifest.host.os}${manifest.host.recordedBy === 'report' ? ' (recorded when the report was rebuilt)' : ''}`],
      ['versions', Object.entries(manifest.versions).filter(([k]) => k !== 'gitSha' && k !== 'gitDirty').map(([k, v]) => `${k} ${v}`).join(', ')],
    ],
  };
}
