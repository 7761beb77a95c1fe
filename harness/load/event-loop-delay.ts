import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Event-loop delay during a live run, in ms. */
export interface EventLoopDelaySummary {
  /** How often the loop was sampled, ms. */
  readonly resolutionMs: number;
  readonly samples: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Measures how late the event loop runs a timer (node:perf_hooks monitorEventLoopDelay). Node 20
 * records the whole interval between two samples (the resolution plus the delay); the summary
 * gives the delay alone: each figure minus the resolution, at least 0.
 */
export class EventLoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  private running = false;

  constructor(readonly resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    if (this.running) return;
    this.histogram.reset();
    this.histogram.enable();
    this.running = true;
  }

  stop(): void {
    if (!this.running) return;
    this.histogram.disable();
    this.running = false;
  }

  summary(): EventLoopDelaySummary {
    const h = this.histogram;
    const delay = (ns: number) => (h.count === 0 ? 0 : Math.round(Math.max(0, ns / 1e6 - this.resolutionMs) * 1000) / 1000);
    return {
      resolutionMs: this.resolutionMs,
      samples: h.count,
      meanMs: delay(h.mean),
      p50Ms: delay(h.percentile(50)),
      p99Ms: delay(h.percentile(99)),
      maxMs: delay(h.max),
    };
  }
}
