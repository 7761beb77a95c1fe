import type { Clock, ReusableTimer } from '../clock.ts';

/**
 * Wakes the load driver when its next query is due. One wake is pending at a time.
 */
export interface SendTimer {
  /** Calls `fn` once, at clock time `atMs` or as soon after as it can (never synchronously). */
  wakeAt(atMs: number, fn: () => void): void;
  /** Calls `fn` soon, after pending I/O has been handled (to split a long burst of sends). */
  wakeSoon(fn: () => void): void;
  /** Drops the pending wake. */
  cancel(): void;
}

/** Wakes through the clock's own timers: exact under a ManualClock or a simulator's virtual clock. */
export class ClockSendTimer implements SendTimer {
  private fn: (() => void) | undefined;
  /** One reusable timer for every wake (a simulation wakes once per query). */
  private readonly timer: ReusableTimer;

  constructor(private readonly clock: Clock) {
    this.timer = clock.timer(() => {
      const fn = this.fn;
      this.fn = undefined;
      fn?.();
    });
  }

  wakeAt(atMs: number, fn: () => void): void {
    this.fn = fn;
    this.timer.set(atMs - this.clock.now());
  }

  wakeSoon(fn: () => void): void {
    this.wakeAt(this.clock.now(), fn);
  }

  cancel(): void {
    this.timer.clear();
    this.fn = undefined;
  }
}

export interface PreciseSendTimerOptions {
  /** Hand over from a node timer to short sleeps this long before the target (node timers fire on whole ms, often late). */
  readonly coarseMarginMs?: number;
  /** Longest single sleep, µs: the most the wait can delay I/O (answers) waiting on the event loop. */
  readonly sleepSliceUs?: number;
  /** The last stretch before the target is polled without sleeping (futex sleeps overshoot by tens of µs). */
  readonly spinUs?: number;
}

export const PRECISE_SEND_DEFAULTS: Required<PreciseSendTimerOptions> = { coarseMarginMs: 2, sleepSliceUs: 50, spinUs: 30 };

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Wakes on a real clock within tens of microseconds of the target without burning a core:
 * - far from the target, a node timer (setTimeout) brings the wake to about coarseMarginMs before it;
 * - then each event-loop turn sleeps at most sleepSliceUs on a futex (Atomics.wait, which takes
 *   fractional ms and costs no CPU) and yields with setImmediate, so answers arriving meanwhile
 *   are handled within a slice;
 * - the last spinUs are polled with setImmediate alone.
 * Measured here (benchmarks/driver-fidelity.ts, 2 shared cores, quiet machine, 1k-5k q/s): send lag
 * p50 15-30 µs, p99 0.1-0.8 ms, about a quarter of a core for the whole process; setTimeout alone
 * gives p50 ~0.56 ms and p99 1.1-2.9 ms; polling with setImmediate alone a similar p99 for a whole
 * core. On a busy machine the p99 is set by the OS taking the core away, whatever the method.
 * `now` must be on the performance.now() scale (a RealClock's).
 */
export class PreciseSendTimer implements SendTimer {
  private readonly coarseMarginMs: number;
  private readonly sleepSliceMs: number;
  private readonly spinMs: number;
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private target = 0;
  private fn: (() => void) | undefined;

  constructor(
    private readonly now: () => number,
    options: PreciseSendTimerOptions = {},
  ) {
    const o = { ...PRECISE_SEND_DEFAULTS, ...options };
    if (!(o.coarseMarginMs >= 0) || !(o.sleepSliceUs >= 0) || !(o.spinUs >= 0)) {
      throw new RangeError(`precise send timer: margins must be >= 0, got ${JSON.stringify(options)}`);
    }
    this.coarseMarginMs = o.coarseMarginMs;
    this.sleepSliceMs = o.sleepSliceUs / 1000;
    this.spinMs = o.spinUs / 1000;
  }

  wakeAt(atMs: number, fn: () => void): void {
    this.cancel();
    this.target = atMs;
    this.fn = fn;
    const remaining = atMs - this.now();
    if (remaining > this.coarseMarginMs + 1) {
      this.timeout = setTimeout(() => {
        this.timeout = undefined;
        this.poll();
      }, Math.floor(remaining - this.coarseMarginMs));
    } else {
      this.immediate = setImmediate(() => this.poll());
    }
  }

  wakeSoon(fn: () => void): void {
    this.wakeAt(-Infinity, fn);
  }

  cancel(): void {
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    this.fn = undefined;
  }

  private poll(): void {
    this.immediate = undefined;
    let remaining = this.target - this.now();
    if (remaining > 0) {
      const sleep = Math.min(remaining - this.spinMs, this.sleepSliceMs);
      if (sleep > 0.005) {
        Atomics.wait(sleepCell, 0, 0, sleep);
        remaining = this.target - this.now();
      }
    }
    if (remaining > 0) {
      this.immediate = setImmediate(() => this.poll());
      return;
    }
    const fn = this.fn;
    this.fn = undefined;
    fn?.();
  }
}
