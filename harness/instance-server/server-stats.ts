/**
 * What an instance server has done so far (GET /parm-bench/v1/stats): requests served and
 * refused, its queue, its slowdown, and histograms of queue wait, model compute time and service
 * time (from the moment a request was taken from the queue to the moment its answer was sent).
 */
import { build, type Histogram } from 'hdr-histogram-js';

export interface DurationSummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export interface InstanceServerStats {
  readonly model: string;
  readonly mode: 'emulated' | 'real';
  readonly uptimeMs: number;
  /** Inference requests answered with outputs. */
  readonly served: number;
  /** Requests answered with an error, by HTTP status ("400", "404", "413", "503", ...). */
  readonly rejected: Readonly<Record<string, number>>;
  /** Requests whose client went away before they were answered (dropped if not yet started). */
  readonly cancelled: number;
  readonly queue: { readonly length: number; readonly maxLength: number; readonly limit: number; readonly inService: boolean };
  readonly slowdownFactor: number;
  /** CPU time of the process serving (user + system) since it started, in ms. */
  readonly cpuMs: number;
  readonly queueWait: DurationSummary;
  readonly compute: DurationSummary;
  readonly service: DurationSummary;
}

/** A histogram of durations recorded in microseconds, summarised in milliseconds. */
export class DurationHistogram {
  private readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  summary(): DurationSummary {
    const h = this.histogram;
    const ms = (us: number): number => Math.round(us) / 1000;
    if (h.totalCount === 0) return { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    return {
      count: h.totalCount,
      meanMs: ms(h.mean),
      p50Ms: ms(h.getValueAtPercentile(50)),
      p90Ms: ms(h.getValueAtPercentile(90)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      p999Ms: ms(h.getValueAtPercentile(99.9)),
      maxMs: ms(h.maxValue),
    };
  }
}
