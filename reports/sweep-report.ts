import type { BenchResults } from './bench-report.ts';
import { markdownTable, textTable } from './format.ts';

export const SWEEP_RESULTS_SCHEMA = 'parm-bench/bench-sweep@1';

export interface SweepPointResult {
  /** The value of the sweep's (first) parameter. */
  readonly value: number;
  /** Every swept parameter's value at this point (one for a sweep, two for a grid). */
  readonly coordinates?: Readonly<Record<string, number>>;
  /** The arrival rate the point ran at, q/s (poisson and constant arrivals; null otherwise). */
  readonly ratePerS?: number | null;
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
  /** The grid's second parameter, or null for a one-parameter sweep. */
  readonly by?: { readonly parameter: string; readonly values: readonly number[] } | null;
  /** The N deployed instances' capacity, q/s ("load" values are fractions of it); null when unknown. */
  readonly capacityPerS?: number | null;
  readonly reason: string;
  readonly partial: boolean;
  readonly points: readonly SweepPointResult[];
}

/** "rate = 150" or "load = 0.5, factor = 2". */
function pointLabel(results: SweepResults, p: SweepPointResult): string {
  const coordinates = p.coordinates ?? { [results.parameter]: p.value };
  return Object.entries(coordinates)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
}

/** What a ratio's 95% interval says: below 1 throughout, ParM wins; above 1 throughout, it loses. */
export function ratioVerdict(ci: readonly [number, number]): 'ParM wins' | 'ParM loses' | 'not significant' {
  return ci[1] < 1 ? 'ParM wins' : ci[0] > 1 ? 'ParM loses' : 'not significant';
}

const ratioCi = (r: number, ci: readonly [number, number]): string => `${r.toFixed(3)} [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;

/** One row per point and system ParM was compared with: both ratios with intervals and their verdicts. */
function comparisonRows(results: SweepResults): string[][] {
  const out: string[][] = [];
  for (const p of results.points) {
    const verdict = (system: string): string => {
      const r = p.results.systems.find((x) => x.system === system);
      return r === undefined ? '?' : r.summary.partial ? 'partial' : r.summary.validity.valid ? 'valid' : 'INVALID';
    };
    for (const c of p.results.comparisons) {
      out.push([
        pointLabel(results, p),
        p.ratePerS === undefined || p.ratePerS === null ? '-' : String(p.ratePerS),
        c.against,
        `${c.medianMs.system.toFixed(2)} / ${c.medianMs.against.toFixed(2)}`,
        ratioCi(c.medianRatio, c.medianRatioCi95),
        ratioVerdict(c.medianRatioCi95),
        `${c.gapMs.system.toFixed(1)} / ${c.gapMs.against.toFixed(1)}`,
        ratioCi(c.gapRatio, c.gapRatioCi95),
        ratioVerdict(c.gapRatioCi95),
        `${c.system} ${verdict(c.system)}, ${c.against} ${verdict(c.against)}`,
      ]);
    }
  }
  return out;
}

const COMPARISON_HEADER = [
  'point',
  'rate q/s',
  'against',
  'p50 ms ParM / other',
  'median ratio [95% CI]',
  'median',
  'p99.9-p50 ms ParM / other',
  'gap ratio [95% CI]',
  'tail gap',
  'validity',
];

function title(results: SweepResults): string {
  const over = results.by ? `${results.parameter} x ${results.by.parameter}` : results.parameter;
  return `${results.workload} over ${over}${results.partial ? ' (PARTIAL)' : ''}`;
}

function capacityLine(results: SweepResults): string | null {
  const parameters = [results.parameter, results.by?.parameter];
  if (!parameters.includes('load') || results.capacityPerS === undefined || results.capacityPerS === null) return null;
  return `load is a fraction of the deployed instances' capacity, ${results.capacityPerS} q/s (N x 1000 / median service time)`;
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
        pointLabel(results, p),
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
  const out = [`sweep of ${title(results)}`, textTable(HEADER, rows(results))];
  const comparisons = comparisonRows(results);
  if (comparisons.length > 0) {
    out.push('', 'ParM against the other systems at each point (ratios ParM / other; 95% bootstrap intervals, paired on the identical schedule):');
    const capacity = capacityLine(results);
    if (capacity) out.push(capacity);
    out.push(textTable(COMPARISON_HEADER, comparisons));
  }
  return out.join('\n');
}

export function sweepResultsMarkdown(results: SweepResults): string {
  return [
    `# parm-bench sweep: ${title(results)}`,
    '',
    `Values: ${results.parameter} ${results.values.join(', ')}${results.by ? `; ${results.by.parameter} ${results.by.values.join(', ')}` : ''}. Why: ${results.reason}`,
    '',
    markdownTable(HEADER, rows(results)),
    '',
    ...(comparisonRows(results).length > 0
      ? [
          '## ParM against the other systems',
          '',
          'Ratios ParM / other with 95% bootstrap intervals (paired on the identical schedule): "ParM wins" when the whole interval is below 1, "ParM loses" when it is above 1.',
          ...(capacityLine(results) ? ['', `${capacityLine(results)}.`] : []),
          '',
          markdownTable(COMPARISON_HEADER, comparisonRows(results)),
          '',
        ]
      : []),
    'Each point has its own run directory (settings, contention schedule, per-system records and summaries, results).',
    '',
  ].join('\n');
}
