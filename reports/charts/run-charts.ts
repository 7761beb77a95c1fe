import { DEFAULT_CONFIDENCE } from '../../harness/load/percentile-sample-size.ts';
import type { ContentionEvent, ContentionSchedule } from '../../harness/contention/contention-schedule.ts';
import { percentileOfSorted } from '../gap-comparison.ts';
import type { IntervalsReport } from '../percentile-intervals.ts';
import type { MeasuredQueries } from '../run-records.ts';
import type { SweepResults } from '../sweep-report.ts';
import { PERCENTILE_TAIL_MAX, type ChartBand, type ChartSpec } from './chart-spec.ts';

/** The charts of a bench run and of a sweep, as ChartSpecs. */

export interface SystemQueries {
  readonly system: string;
  readonly queries: MeasuredQueries;
}

/**
 * Latency percentile spectrum per system: percentiles spaced evenly on the tail axis
 * (0, 90, 99, 99.9 ... one step each), up to the deepest percentile the system's answered
 * queries resolve (1 - 1/n). Lost queries end a system's curve where they begin.
 */
export function spectrumChart(systems: readonly SystemQueries[], title = 'Latency percentile spectrum'): ChartSpec {
  // Beyond the deepest percentile the binomial rule lets the smallest sample state, the curve is
  // an indication only: that stretch is shaded.
  const fewest = Math.min(...systems.map((s) => s.queries.latencyMs.length));
  const statable = Number.isFinite(fewest) && fewest > 0 ? deepestStatablePercentile(fewest) : null;
  const bands: ChartBand[] = statable !== null && statable < PERCENTILE_TAIL_MAX ? [{ from: statable, to: PERCENTILE_TAIL_MAX, label: 'too few queries to state (binomial rule)' }] : [];
  return {
    bands,
    kind: 'line',
    title,
    xLabel: 'percentile (tail axis: 90%, 99%, 99.9% ... equally spaced)',
    yLabel: 'latency from scheduled send, ms (log)',
    xScale: 'percentile-tail',
    yScale: 'log',
    series: systems.map(({ system, queries }) => {
      const sorted = Float64Array.from(queries.latencyMs).sort();
      const n = sorted.length;
      const points: { x: number; y: number }[] = [];
      if (n >= 2) {
        const deepest = Math.min(Math.log10(n), -Math.log10(1 - PERCENTILE_TAIL_MAX / 100));
        for (let t = 0; t <= deepest + 1e-9; t += 0.05) {
          const p = 100 * (1 - Math.pow(10, -t));
          const y = percentileOfSorted(sorted, p);
          if (!Number.isFinite(y)) break;
          points.push({ x: Math.round(p * 1e6) / 1e6, y: Math.max(y, 0.001) });
        }
      }
      return { label: system, points };
    }),
  };
}

/**
 * The deepest percentile n queries may state under the binomial rule with none over the bound
 * (harness/load/percentile-sample-size.ts): the largest p with (p/100)^n <= 1 - confidence.
 */
export function deepestStatablePercentile(n: number, confidence = DEFAULT_CONFIDENCE): number {
  return 100 * Math.pow(1 - confidence, 1 / n);
}

/** A window length giving about 40 windows over the measured span, rounded to 100 ms, at least 250 ms. */
export function timelineWindowMs(spanMs: number): number {
  return Math.max(250, Math.round(spanMs / 40 / 100) * 100);
}

/** Shaded windows of a contention schedule: slowdowns, pauses, crashes, neighbours, CPU hogs. */
export function contentionBands(schedule: ContentionSchedule, endMs: number): ChartBand[] {
  const bands: ChartBand[] = [];
  const open = new Map<string, { atMs: number; label: string }>();
  const start = (key: string, e: ContentionEvent, label: string) => open.set(key, { atMs: e.atMs, label });
  const end = (key: string, e: ContentionEvent) => {
    const o = open.get(key);
    if (!o) return;
    open.delete(key);
    bands.push({ from: o.atMs / 1000, to: e.atMs / 1000, label: o.label });
  };
  for (const e of schedule.events) {
    switch (e.kind) {
      case 'slowdown-start':
        start(`slowdown-${e.episode}`, e, `slowdown x${e.factor} m${e.machines.join('+m')}`);
        break;
      case 'slowdown-end':
        end(`slowdown-${e.episode}`, e);
        break;
      case 'pause':
        bands.push({ from: e.atMs / 1000, to: (e.atMs + e.durationMs) / 1000, label: `pause m${e.machine}` });
        break;
      case 'crash':
        bands.push({ from: e.atMs / 1000, to: endMs / 1000, label: `crash m${e.machine}` });
        break;
      case 'neighbour-start':
        start(`neighbour-${e.machines.join(',')}`, e, `neighbour m${e.machines.join('+m')}`);
        break;
      case 'neighbour-stop':
        end(`neighbour-${e.machines.join(',')}`, e);
        break;
      case 'cpu-hog-start':
        start('cpu-hog', e, `CPU hog x${e.processes}`);
        break;
      case 'cpu-hog-stop':
        end('cpu-hog', e);
        break;
      case 'resume':
        break;
    }
  }
  for (const o of open.values()) bands.push({ from: o.atMs / 1000, to: endMs / 1000, label: o.label });
  return mergeOverlapping(bands.filter((b) => b.to > b.from));
}

/**
 * Overlapping windows of one kind (e.g. concurrent slowdown episodes) become one band, labelled
 * with how many windows it holds: stacked translucent shades would hide the lines beneath.
 */
function mergeOverlapping(bands: readonly ChartBand[]): ChartBand[] {
  const kindOf = (b: ChartBand) => b.label.split(' ')[0];
  const out: ChartBand[] = [];
  for (const kind of [...new Set(bands.map(kindOf))]) {
    const sorted = bands.filter((b) => kindOf(b) === kind).sort((a, b) => a.from - b.from);
    let current: { from: number; to: number; labels: string[] } | undefined;
    const flush = () => {
      if (!current) return;
      out.push({ from: current.from, to: current.to, label: current.labels.length === 1 ? current.labels[0] : `${kind} (${current.labels.length} overlapping)` });
    };
    for (const b of sorted) {
      if (current && b.from <= current.to) {
        current.to = Math.max(current.to, b.to);
        current.labels.push(b.label);
      } else {
        flush();
        current = { from: b.from, to: b.to, labels: [b.label] };
      }
    }
    flush();
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * Windowed p99 over the run: measured queries grouped by scheduled send time into windows of
 * `windowMs`; one point per window with at least 10 queries (a lost query makes the window's p99
 * infinite: drawn at the top of the window's finite values is not honest, so such windows are
 * left out and counted in the title). Contention and fault windows are shaded.
 */
export function timelineChart(systems: readonly SystemQueries[], schedule: ContentionSchedule | null, windowMs?: number): ChartSpec {
  let first = Infinity;
  let last = -Infinity;
  for (const { queries } of systems) {
    for (const t of queries.scheduledMs) {
      if (t < first) first = t;
      if (t > last) last = t;
    }
  }
  const span = Number.isFinite(first) ? last - first : 0;
  const w = windowMs ?? timelineWindowMs(span);
  let windowsWithLoss = 0;
  const series = systems.map(({ system, queries }) => {
    const groups = new Map<number, number[]>();
    queries.scheduledMs.forEach((t, i) => {
      const key = Math.floor(t / w);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(queries.latencyMs[i]);
    });
    const points: { x: number; y: number }[] = [];
    for (const key of [...groups.keys()].sort((a, b) => a - b)) {
      const values = Float64Array.from(groups.get(key)!).sort();
      if (values.length < 10) continue;
      const p99 = percentileOfSorted(values, 99);
      if (!Number.isFinite(p99)) {
        windowsWithLoss++;
        continue;
      }
      points.push({ x: ((key + 0.5) * w) / 1000, y: Math.max(p99, 0.001) });
    }
    return { label: system, points };
  });
  const bands = schedule ? contentionBands(schedule, Number.isFinite(last) ? last : schedule.horizonMs) : [];
  return {
    kind: 'line',
    title: `Windowed p99 (${w} ms windows)${windowsWithLoss > 0 ? `; ${windowsWithLoss} window(s) with lost queries left out` : ''}`,
    xLabel: 'scheduled send time, s from the run start (shaded: contention and fault windows)',
    yLabel: 'p99 latency in the window, ms (log)',
    xScale: 'linear',
    yScale: 'log',
    series,
    bands,
  };
}

/**
 * p50, p99 and p99.9 against the offered load of each sweep point, one line per system and
 * percentile (p50 dashed). A rate or load sweep is drawn against the load each point actually
 * offered (measured); other sweeps against the swept value. A grid (sweep.by) gives one chart per
 * value of its second parameter.
 */
export function sweepLoadCharts(sweep: SweepResults): ChartSpec[] {
  const byRate = sweep.parameter === 'rate' || sweep.parameter === 'load';
  const by = sweep.by ?? null;
  const slices: { label: string; points: SweepResults['points'] }[] = by
    ? by.values.map((v) => ({ label: `${by.parameter} = ${v}`, points: sweep.points.filter((p) => p.coordinates?.[by.parameter] === v) }))
    : [{ label: '', points: sweep.points }];
  const percentiles = [
    { label: 'p50', pick: (l: { p50Us: number }) => l.p50Us },
    { label: 'p99', pick: (l: { p99Us: number }) => l.p99Us },
    { label: 'p99.9', pick: (l: { p99_9Us: number }) => l.p99_9Us },
  ];
  return slices.map((slice) => {
    const systems = [...new Set(slice.points.flatMap((p) => p.results.systems.map((r) => r.system)))];
    const series = systems.flatMap((system) =>
      percentiles.map((pc, i) => ({
        label: `${system} ${pc.label}`,
        dashed: i === 0,
        points: slice.points
          .flatMap((p) => {
            const r = p.results.systems.find((x) => x.system === system);
            if (!r || r.summary.latencyFromScheduled.count === 0) return [];
            return [{ x: byRate ? r.summary.offeredRatePerS : p.value, y: Math.max(pc.pick(r.summary.latencyFromScheduled) / 1000, 0.001) }];
          })
          .sort((a, b) => a.x - b.x),
      })),
    );
    const what = byRate ? 'offered load' : sweep.parameter;
    return {
      kind: 'line',
      title: `p50, p99, p99.9 against ${what}${slice.label ? ` (${slice.label})` : ''}`,
      xLabel: byRate ? 'offered load, queries per second (measured)' : sweep.parameter,
      yLabel: 'latency from scheduled send, ms (log)',
      xScale: 'linear',
      yScale: 'log',
      series,
    };
  });
}

/**
 * p50, p99 and p99.9 per system with their bootstrap 95% intervals as error bars, on the tail
 * axis. Only percentiles the run may state are drawn (enough queries, not on lost queries); the
 * title counts those left out.
 */
export function percentileIntervalsChart(intervals: IntervalsReport, title = 'p50, p99, p99.9 with 95% bootstrap intervals'): ChartSpec {
  let omitted = 0;
  const series = intervals.systems.map((s) => ({
    label: s.system,
    points: s.estimates.flatMap((e) => {
      const [lo, hi] = e.ci95Ms;
      if (!e.sufficient || e.valueMs === null || lo === null || hi === null) {
        omitted++;
        return [];
      }
      return [{ x: e.percentile, y: Math.max(e.valueMs, 0.001), yLow: Math.max(lo, 0.001), yHigh: Math.max(hi, 0.001) }];
    }),
  }));
  return {
    kind: 'scatter',
    title: omitted > 0 ? `${title} (${omitted} left out: too few queries or lost)` : title,
    xLabel: 'percentile (tail axis)',
    yLabel: 'latency from scheduled send, ms (log)',
    xScale: 'percentile-tail',
    yScale: 'log',
    series,
  };
}
