import type { BenchResults } from './bench-report.ts';
import { markdownTable, textTable } from './format.ts';

export const SWEEP_RESULTS_SCHEMA = 'parm-bench/bench-sweep@1';

export interface SweepPointResult {
  readonly value: number;
  /** The point's run directory, relative to the sweep's. */
  readonly dir: string;
  readonly results: BenchResults;
}

export interface SweepResults {
  readonly schema: typeof SWEEP_RESULTS_SCHEMA;
  readonly workload: string;
  readonly createdAt: string;
  readonly parameter: string;
  readonly values: readonly number[];
  readonly reason: string;
  readonly partial: boolean;
  readonly points: readonly SweepPointResult[];
}

const ms = (us: number): string => (Number.isFinite(us) ? (us / 1000).toFixed(2) : 'n/a');

/** One row per point and system: median, p99.9, gap, and ParM's ratios against the system. */
function rows(results: SweepResults): string[][] {
  const out: string[][] = [];
  for (const p of results.points) {
    for (const r of p.results.systems) {
      const l = r.summary.latencyFromScheduled;
      const c = p.results.comparisons.find((x) => x.against === r.system);
      out.push([
        `${results.parameter} = ${p.value}`,
        r.system,
        ms(l.p50Us),
        ms(l.p99_9Us),
        ms(l.p99_9Us - l.p50Us),
        c ? `${c.gapRatio.toFixed(3)} [${c.gapRatioCi95[0].toFixed(3)}, ${c.gapRatioCi95[1].toFixed(3)}]` : '-',
        c ? `${c.medianRatio.toFixed(3)}` : '-',
        r.summary.partial ? 'partial' : r.summary.validity.valid ? 'valid' : 'INVALID',
      ]);
    }
  }
  return out;
}

const HEADER = ['point', 'system', 'p50 ms', 'p99.9 ms', 'p99.9-p50 ms', 'ParM/this gap ratio [95% CI]', 'ParM/this median', 'verdict'];

export function sweepResultsText(results: SweepResults): string {
  return [`sweep of ${results.workload} over ${results.parameter}${results.partial ? ' (PARTIAL)' : ''}`, textTable(HEADER, rows(results))].join('\n');
}

export function sweepResultsMarkdown(results: SweepResults): string {
  return [
    `# parm-bench sweep: ${results.workload} over ${results.parameter}${results.partial ? ' (PARTIAL)' : ''}`,
    '',
    `Values: ${results.values.join(', ')}. Why: ${results.reason}`,
    '',
    markdownTable(HEADER, rows(results)),
    '',
    'Each point has its own run directory (settings, contention schedule, per-system records and summaries, results).',
    '',
  ].join('\n');
}
