import type { Clock, TimerHandle } from '../clock.ts';

/** One pending event: a timer of the virtual clock. The handle given back by setTimer is the entry itself. */
class VirtualTimer implements TimerHandle {
  constructor(
    readonly id: number,
    readonly due: number,
    public fn: (() => void) | null,
  ) {}
}

/**
 * The simulator's clock: virtual time in ms that jumps from one event to the next. Timers are
 * kept in a binary heap ordered by (due time, set order), so events at the same instant run in
 * the order they were set (FIFO ties) and a run is the same on every machine. Nothing happens
 * until run() (or runUntil) pops the events; each callback runs with now() equal to its due time,
 * synchronously, and may set more timers. Cleared timers stay in the heap, emptied, and are
 * skipped when they come up (no search on clear).
 */
export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  private heap: VirtualTimer[] = [];
  private live = 0;
  private executed = 0;
  private halted = false;

  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`virtual clock: start must be a finite number of ms, got ${start}`);
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    // NaN or negative: as soon as possible (after what is already due now).
    const due = delayMs > 0 ? this.current + delayMs : this.current;
    const timer = new VirtualTimer(this.nextId++, due, fn);
    this.push(timer);
    this.live++;
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    if (!(handle instanceof VirtualTimer) || handle.fn === null) return;
    handle.fn = null;
    this.live--;
  }

  /** Timers set and neither run nor cleared. */
  get pendingTimers(): number {
    return this.live;
  }

  /** Events (timer callbacks) run so far. */
  get eventsRun(): number {
    return this.executed;
  }

  /** Due time of the next pending event, or undefined when there is none. */
  nextDue(): number | undefined {
    this.dropCleared();
    return this.heap.length > 0 ? this.heap[0].due : undefined;
  }

  /** Makes the running run() / runUntil() return after the current event (e.g. when the measured run is over). */
  halt(): void {
    this.halted = true;
  }

  /**
   * Runs events in time order until none is left, until `maxEvents` have run, or until halt() is
   * called (then returns false: call again to go on). Returns true when the queue is empty.
   */
  run(maxEvents = Infinity): boolean {
    let budget = maxEvents;
    const heap = this.heap;
    this.halted = false;
    while (heap.length > 0) {
      if (budget <= 0 || this.halted) {
        this.halted = false;
        return false;
      }
      if (this.fire(this.pop())) budget--;
    }
    return true;
  }

  /** Runs a popped timer at its due time; false when it had been cleared. */
  private fire(timer: VirtualTimer): boolean {
    const fn = timer.fn;
    if (fn === null) return false;
    timer.fn = null;
    this.live--;
    this.current = timer.due;
    this.executed++;
    fn();
    return true;
  }

  /** Runs every event due at or before `timeMs`, then sets the time to `timeMs` (if later). */
  runUntil(timeMs: number): void {
    const heap = this.heap;
    this.halted = false;
    while (heap.length > 0 && heap[0].due <= timeMs && !this.halted) {
      this.fire(this.pop());
    }
    if (this.halted) {
      this.halted = false;
      return;
    }
    if (timeMs > this.current) this.current = timeMs;
  }

  private dropCleared(): void {
    while (this.heap.length > 0 && this.heap[0].fn === null) this.pop();
  }

  // ---- binary heap on (due, id) ----------------------------------------------------------

  private push(t: VirtualTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p.due < t.due || (p.due === t.due && p.id < t.id)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = t;
  }

  private pop(): VirtualTimer {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let child = heap[l];
        if (r < n) {
          const rc = heap[r];
          if (rc.due < child.due || (rc.due === child.due && rc.id < child.id)) {
            c = r;
            child = rc;
          }
        }
        if (last.due < child.due || (last.due === child.due && last.id < child.id)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}
