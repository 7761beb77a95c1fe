import type { Clock, TimerHandle } from '../clock.ts';

/** One pending event: a timer of the virtual clock. The handle given back by setTimer is the entry itself. */
class VirtualTimer implements TimerHandle {
  constructor(
    readonly id: number,
    public fn: (() => void) | null,
  ) {}
}

/**
 * The simulator's clock: virtual time in ms that jumps from one event to the next. Timers are
 * kept in a binary heap ordered by (due time, set order), so events at the same instant run in
 * the order they were set (FIFO ties) and a run is the same on every machine. Nothing happens
 * until run() (or runUntil) pops the events; each callback runs with now() equal to its due time,
 * synchronously, and may set more timers. Cleared timers stay in the heap, emptied, and are
 * skipped when they come up (no search on clear). The heap keeps due times and set order in typed
 * arrays beside the timers, so ordering compares numbers in contiguous memory instead of following a
 * pointer per comparison (the heap is popped once per event).
 */
export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  /** The heap: timers, and their due times and set order at the same positions. */
  private readonly heap: VirtualTimer[] = [];
  private dues = new Float64Array(256);
  private order = new Float64Array(256);
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
    const timer = new VirtualTimer(this.nextId++, fn);
    this.push(timer, due);
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
    return this.heap.length > 0 ? this.dues[0] : undefined;
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
      const due = this.dues[0];
      if (this.fire(this.pop(), due)) budget--;
    }
    return true;
  }

  /** Runs a popped timer at its due time; false when it had been cleared. */
  private fire(timer: VirtualTimer, due: number): boolean {
    const fn = timer.fn;
    if (fn === null) return false;
    timer.fn = null;
    this.live--;
    this.current = due;
    this.executed++;
    fn();
    return true;
  }

  /** Runs every event due at or before `timeMs`, then sets the time to `timeMs` (if later). */
  runUntil(timeMs: number): void {
    const heap = this.heap;
    this.halted = false;
    while (heap.length > 0 && this.dues[0] <= timeMs && !this.halted) {
      const due = this.dues[0];
      this.fire(this.pop(), due);
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

  // ---- binary heap on (due, set order) ----------------------------------------------------

  private push(t: VirtualTimer, due: number): void {
    const id = t.id;
    const heap = this.heap;
    let i = heap.length;
    if (i === this.dues.length) {
      const dues = new Float64Array(i * 2);
      dues.set(this.dues);
      this.dues = dues;
      const order = new Float64Array(i * 2);
      order.set(this.order);
      this.order = order;
    }
    const dues = this.dues;
    const order = this.order;
    heap.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = dues[parent];
      if (pd < due || (pd === due && order[parent] < id)) break;
      heap[i] = heap[parent];
      dues[i] = pd;
      order[i] = order[parent];
      i = parent;
    }
    heap[i] = t;
    dues[i] = due;
    order[i] = id;
  }

  private pop(): VirtualTimer {
    const heap = this.heap;
    const dues = this.dues;
    const order = this.order;
    const top = heap[0];
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      const lastDue = dues[n];
      const lastId = order[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        let cd = dues[c];
        const r = c + 1;
        if (r < n) {
          const rd = dues[r];
          if (rd < cd || (rd === cd && order[r] < order[c])) {
            c = r;
            cd = rd;
          }
        }
        if (lastDue < cd || (lastDue === cd && lastId < order[c])) break;
        heap[i] = heap[c];
        dues[i] = cd;
        order[i] = order[c];
        i = c;
      }
      heap[i] = last;
      dues[i] = lastDue;
      order[i] = lastId;
    }
    return top;
  }
}
