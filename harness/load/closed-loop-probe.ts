import type { Clock } from '../clock.ts';
import type { ServingSystem, SystemEvents } from '../../systems/serving-system.ts';
import type { SampleSource } from './load-driver.ts';

/**
 * A closed-loop capacity probe: keeps `concurrency` queries outstanding (a new one is submitted
 * as each answer or loss arrives) for `durationMs` and reports the completion rate. It answers
 * "what does this system sustain?", to set offered loads as a fraction of capacity; it is never
 * used for tail-latency figures (a closed loop hides stalls: see the open-loop LoadDriver).
 */
export interface CapacityProbeOptions {
  readonly clock: Clock;
  readonly samples: SampleSource;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Completions before this are not counted (warm-up). Default 0. */
  readonly warmupMs?: number;
  /** After the window, how long to wait for outstanding queries. Default 10,000 ms. */
  readonly drainTimeoutMs?: number;
}

export interface CapacityProbeResult {
  readonly concurrency: number;
  readonly windowMs: number;
  readonly completed: number;
  readonly lost: number;
  readonly queriesPerSecond: number;
}

export class CapacityProbe {
  /** Give this to the system: it reports answers and losses here. */
  readonly events: SystemEvents;
  private onDone: ((wasLost: boolean) => void) | undefined;

  constructor(private readonly options: CapacityProbeOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (!(options.durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${options.durationMs}`);
    this.events = { answer: () => this.onDone?.(false), lost: () => this.onDone?.(true) };
  }

  run(system: ServingSystem): Promise<CapacityProbeResult> {
    const { clock, samples, concurrency, durationMs } = this.options;
    const warmupMs = this.options.warmupMs ?? 0;
    const drainTimeoutMs = this.options.drainTimeoutMs ?? 10_000;
    const start = clock.now();
    const windowStart = start + warmupMs;
    const windowEnd = windowStart + durationMs;
    let next = 0;
    let outstanding = 0;
    let completed = 0;
    let lost = 0;
    let sending = true;
    return new Promise((resolve) => {
      let drainTimer: ReturnType<Clock['setTimer']> | undefined;
      const finish = () => {
        if (drainTimer) clock.clearTimer(drainTimer);
        this.onDone = undefined;
        resolve({ concurrency, windowMs: durationMs, completed, lost, queriesPerSecond: (completed * 1000) / durationMs });
      };
      const submitOne = () => {
        const i = next++;
        const s = samples(i);
        outstanding++;
        system.submit({ id: i, input: s.input, ...(s.label !== undefined ? { label: s.label } : {}) });
      };
      this.onDone = (wasLost: boolean) => {
        outstanding--;
        const now = clock.now();
        if (now >= windowStart && now < windowEnd) {
          if (wasLost) lost++;
          else completed++;
        }
        if (sending && now >= windowEnd) {
          sending = false;
          drainTimer = clock.setTimer(drainTimeoutMs, finish);
        }
        if (sending) submitOne();
        else if (outstanding === 0) finish();
      };
      for (let i = 0; i < concurrency; i++) submitOne();
    });
  }
}
