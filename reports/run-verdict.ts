import type { BenchResults } from './bench-report.ts';
import type { IntervalsReport } from './percentile-intervals.ts';

/**
 * The verdict of a whole run: VALID only when every planned system was measured in full and each
 * one's run was valid (no query lost, the driver kept to its schedule, enough queries for the
 * percentile the run claims, no broken answer contract). Each failure is one reason naming the
 * system. Percentiles the report shows beyond the claimed one that lack queries are listed too:
 * they do not make the run invalid, but they are marked insufficient wherever shown.
 */
export interface RunVerdict {
  readonly verdict: 'VALID' | 'INVALID';
  readonly reasons: readonly string[];
  /** Percentiles shown as insufficient (not a reason for INVALID). */
  readonly insufficient: readonly string[];
}

export function judgeBenchRun(results: BenchResults, intervals: IntervalsReport): RunVerdict {
  const reasons: string[] = [];
  if (results.partial) reasons.push(`the run is partial: ${results.stoppedBecause ?? 'not every system was measured in full'}`);
  const missing = results.systemsPlanned.filter((s) => !results.systems.some((r) => r.system === s));
  if (missing.length > 0) reasons.push(`not measured: ${missing.join(', ')}`);
  for (const r of results.systems) {
    for (const reason of r.summary.validity.reasons) reasons.push(`${r.system}: ${reason}`);
  }
  const insufficient: string[] = [];
  for (const s of intervals.systems) {
    for (const e of s.estimates) {
      if (!e.sufficient) insufficient.push(`${s.system} p${e.percentile}: ${s.measured} queries, ${e.required} needed`);
    }
  }
  return { verdict: reasons.length === 0 ? 'VALID' : 'INVALID', reasons, insufficient };
}
