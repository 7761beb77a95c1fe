/**
 * Time as the serving systems see it, in milliseconds. Systems never read the wall clock
 * themselves: live runs give them a RealClock, tests a ManualClock they advance by hand, and the
 * simulator a virtual clock, so the same policy code runs everywhere.
 */
export interface TimerHandle {
  readonly id: number;
}

/**
 * A timer for one callback that is set again and again, with at most one call pending: for code
 * that sets the same timer once per query or per request (a simulation does so millions of times),
 * so that a clock can keep one entry for it instead of a new one each time.
 */
export interface ReusableTimer {
  /** Calls the callback `delayMs` from now (as Clock.setTimer); a call still pending is dropped. */
  set(delayMs: number): void;
  /** Drops the pending call, if any. */
  clear(): void;
  /** A call is pending. */
  readonly pending: boolean;
}

export interface Clock {
  /** Milliseconds since an arbitrary origin; monotonic. */
  now(): number;
  /** Calls `fn` once, `delayMs` from now (0 or less: as soon as possible, never synchronously). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** A reusable timer calling `fn` (see ReusableTimer); it runs in the same order as setTimer's timers set at the same moments. */
  timer(fn: () => void): ReusableTimer;
}

/** A ReusableTimer on any clock's setTimer and clearTimer. */
export class HandleTimer implements ReusableTimer {
  private handle: TimerHandle | undefined;
  private readonly run = (): void => {
    this.handle = undefined;
    this.fn();
  };

  constructor(
    private readonly clock: Pick<Clock, 'setTimer' | 'clearTimer'>,
    private readonly fn: () => void,
  ) {}

  set(delayMs: number): void {
    this.clear();
    this.handle = this.clock.setTimer(delayMs, this.run);
  }

  clear(): void {
    if (this.handle) this.clock.clearTimer(this.handle);
    this.handle = undefined;
  }

  get pending(): boolean {
    return this.handle !== undefined;
  }
}

/** The process's monotonic clock (performance.now) with node timers. */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, delayMs));
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }

  timer(fn: () => void): ReusableTimer {
    return new HandleTimer(this, fn);
  }
}

/**
 * A clock that moves only when told to: `advance(ms)` runs every timer due by then, in time order
 * (ties in the order they were set), each with now() equal to its due time.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly pending = new Map<number, { due: number; seq: number; fn: () => void }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { due: this.current + Math.max(0, delayMs), seq: id, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  timer(fn: () => void): ReusableTimer {
    return new HandleTimer(this, fn);
  }

  /** Number of timers not yet run. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, running due timers (and timers they set that fall due too). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance needs a non-negative number of ms, got ${ms}`);
    const target = this.current + ms;
    for (;;) {
      let nextId = -1;
      let next: { due: number; seq: number; fn: () => void } | undefined;
      for (const [id, t] of this.pending) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) {
          next = t;
          nextId = id;
        }
      }
      if (!next) break;
      this.pending.delete(nextId);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }
}
