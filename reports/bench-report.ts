import type { LoadRunSummary } from '../harness/load/load-run-summary.ts';
import type { ContentionPlayback } from '../harness/contention/contention-player.ts';
import type { NeighbourStreamStats } from '../harness/contention/neighbour-stream.ts';
import { markdownTable, percent, textTable } from './format.ts';
import type { GapComparison } from './gap-comparison.ts';

export const BENCH_RESULTS_SCHEMA = 'parm-bench/bench-results@1';

/** One system's part of a bench run. */
export interface BenchSystemResult {
  readonly system: string;
  readonly summary: LoadRunSummary;
  readonly contention: ContentionPlayback;
  readonly neighbour: NeighbourStreamStats;
  /** Files of this system, relative to the run directory. */
  readonly files: { readonly summary: string; readonly records: string };
}

export interface BenchResults {
  readonly schema: typeof BENCH_RESULTS_SCHEMA;
  readonly workload: string;
  readonly createdAt: string;
  /** True when the run was stopped (Ctrl-C, error) before every system was measured in full. */
  readonly partial: boolean;
  readonly stoppedBecause: string | null;
  readonly systemsPlanned: readonly string[];
  /** Why accuracy is (or is not) reported. */
  readonly accuracyNote: string;
  readonly systems: readonly BenchSystemResult[];
  /** ParM against each other measured system: median ratio and p99.9-p50 gap ratio with bootstrap CIs. */
  readonly comparisons: readonly GapComparison[];
}

const ms = (us: number): string => (Number.isFinite(us) && us > 0 ? (us / 1000).toFixed(2) : us === 0 ? '0.00' : 'n/a');

function row(r: BenchSystemResult): string[] {
  const s = r.summary;
  const l = s.latencyFromScheduled;
  const paths = Object.entries(s.byPath)
    .map(([path, f]) => `${path} ${f?.answers ?? 0}`)
    .join(', ');
  const accuracy = s.accuracy.accuracy === null ? 'n/a' : percent(s.accuracy.accuracy);
  const verdict = s.partial ? 'partial' : s.validity.valid ? 'valid' : 'INVALID';
  return [
    r.system,
    String(s.queries.measured),
    ms(l.p50Us),
    ms(l.p99Us),
    ms(l.p99_9Us),
    l.count > 0 ? ms(l.p99_9Us - l.p50Us) : 'n/a',
    paths || '-',
    accuracy,
    String(s.queries.lost),
    verdict,
  ];
}

const HEADER = ['system', 'queries', 'p50 ms', 'p99 ms', 'p99.9 ms', 'p99.9-p50 ms', 'answers per path', 'accuracy', 'lost', 'verdict'];

const ci = (c: readonly [number, number]): string => `[${c[0].toFixed(3)}, ${c[1].toFixed(3)}]`;

function comparisonLines(results: BenchResults): string[] {
  return results.comparisons.map(
    (c) =>
      `${c.system} vs ${c.against}: median ratio ${c.medianRatio.toFixed(3)} (95% CI ${ci(c.medianRatioCi95)}), ` +
      `p99.9-p50 gap ratio ${c.gapRatio.toFixed(3)} (95% CI ${ci(c.gapRatioCi95)}; gaps ${c.gapMs.system.toFixed(2)} vs ${c.gapMs.against.toFixed(2)} ms; ` +
      `bootstrap ${c.bootstrap.resamples} resamples${c.bootstrap.paired ? ', paired by query' : ''}` +
      `${c.bootstrap.method === 'order-statistics' ? ', drawn by order statistics (large sample)' : ''})`,
  );
}

function notes(results: BenchResults): string[] {
  const out: string[] = [];
  if (results.partial) out.push(`PARTIAL: ${results.stoppedBecause ?? 'stopped'}; figures cover what was measured until then.`);
  const missing = results.systemsPlanned.filter((s) => !results.systems.some((r) => r.system === s));
  if (missing.length > 0) out.push(`not measured: ${missing.join(', ')}`);
  for (const r of results.systems) {
    if (!r.summary.validity.valid) out.push(`${r.system}: ${r.summary.validity.reasons.join('; ')}`);
    const n = r.neighbour;
    if (r.contention.applied + r.contention.skipped + r.contention.failed > 0) out.push(
      `${r.system}: contention actions ${r.contention.applied} applied, ${r.contention.skipped} skipped (no instance of this system there), ${r.contention.failed} failed` +
        (n.sent > 0 ? `; neighbour queries ${n.sent} sent, ${n.answered} answered` : ''),
    );
    if (r.contention.failed > 0) out.push(`${r.system}: ${r.contention.failed} contention actions failed (first: ${r.contention.errors[0]?.error ?? '?'})`);
  }
  if (results.systems.some((r) => r.summary.accuracy.accuracy === null)) out.push(`accuracy n/a: ${results.accuracyNote}`);
  return out;
}

/** The console summary. */
export function benchResultsText(results: BenchResults): string {
  const table = textTable(HEADER, results.systems.map(row));
  const extra = notes(results);
  return [`workload ${results.workload}: latency from each query's scheduled send time`, table, ...comparisonLines(results), ...extra].join('\n');
}

/** results.md */
export function benchResultsMarkdown(results: BenchResults): string {
  const lines = [
    `# parm-bench: ${results.workload}${results.partial ? ' (PARTIAL)' : ''}`,
    '',
    `Created ${results.createdAt}. Latency counts from each query's scheduled send time (open loop); warm-up excluded.`,
    '',
    markdownTable(HEADER, results.systems.map(row)),
    '',
    ...comparisonLines(results).map((n) => `- ${n}`),
    ...notes(results).map((n) => `- ${n}`),
    '',
    'Per-query records: `<system>/records.ndjson`; full figures: `<system>/summary.json`, `results.json`; the contention schedule: `contention-schedule.json`; settings and seeds: `settings.json`.',
    '',
  ];
  return lines.join('\n');
}
