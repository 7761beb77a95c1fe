import { EventCalendar } from './event-calendar.ts';
import type { Clock, ReusableTimer, TimerHandle } from '../clock.ts';

/**
 * One event: a timer of the virtual clock. The handle given back by setTimer is the entry itself.
 * A reusable timer sets its entry again once the clock's queue has let go of it (`queued` false).
 */
class VirtualTimer implements TimerHandle {
  /** Held by the clock's event calendar, even if cleared meanwhile. */
  queued = false;
  constructor(
    public id: number,
    public fn: (() => void) | null,
  ) {}
}

/**
 * The virtual clock's ReusableTimer: one entry, set again while it is out of the calendar, so a timer
 * set once per request allocates nothing and stores no new object into the clock. An entry that
 * was cleared while still in the calendar stays there, emptied, and a new entry takes its place.
 */
class VirtualReusableTimer implements ReusableTimer {
  private entry: VirtualTimer;

  constructor(
    private readonly clock: VirtualClock,
    private readonly fn: () => void,
  ) {
    this.entry = new VirtualTimer(0, null);
  }

  set(delayMs: number): void {
    this.clear();
    if (this.entry.queued) this.entry = new VirtualTimer(0, null);
    this.clock.schedule(this.entry, delayMs, this.fn);
  }

  clear(): void {
    this.clock.clearTimer(this.entry);
  }

  get pending(): boolean {
    return this.entry.fn !== null;
  }
}

/**
 * The simulator's clock: virtual time in ms that jumps from one event to the next. Timers wait in
 * an event calendar (event-calendar.ts) ordered by (due time, set order), so events at the same
 * instant run in the order they were set (FIFO ties) and a run is the same on every machine.
 * Nothing happens until run() (or runUntil) takes the events; each callback runs with now() equal
 * to its due time, synchronously, and may set more timers. Cleared timers stay queued, emptied, and
 * are skipped when they come up (no search on clear).
 *
 * The calendar holds numbers only: each pending timer sits in `timers` at the slot the calendar
 * gave its entry, from its push to its pop. Nothing moves a timer object while it waits: storing a
 * newly made timer into a long-lived array costs the garbage collector's write barrier a slow
 * path, once per store.
 */
export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  /** Pending timers by the slot of their calendar entry; undefined between a pop and the next push that takes the slot. */
  private readonly timers: (VirtualTimer | undefined)[] = [];
  private readonly calendar: EventCalendar;
  private live = 0;
  private executed = 0;
  private halted = false;

  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`virtual clock: start must be a finite number of ms, got ${start}`);
    this.current = start;
    this.calendar = new EventCalendar(start);
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = new VirtualTimer(0, null);
    this.schedule(timer, delayMs, fn);
    return timer;
  }

  timer(fn: () => void): ReusableTimer {
    return new VirtualReusableTimer(this, fn);
  }

  /** Sets `timer` (not queued) to call `fn` `delayMs` from now; it takes the next set order, as a new timer would. */
  schedule(timer: VirtualTimer, delayMs: number, fn: () => void): void {
    // NaN or negative: as soon as possible (after what is already due now).
    const due = delayMs > 0 ? this.current + delayMs : this.current;
    timer.id = this.nextId++;
    timer.fn = fn;
    this.push(timer, due);
    this.live++;
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
    return this.hasEvents() ? this.soonestDue() : undefined;
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
    this.halted = false;
    while (this.hasEvents()) {
      if (budget <= 0 || this.halted) {
        this.halted = false;
        return false;
      }
      if (this.runNext()) budget--;
    }
    return true;
  }

  /** Takes the soonest timer and runs it at its due time; false when it had been cleared. */
  private runNext(): boolean {
    const slot = this.calendar.pop();
    const timer = this.release(slot);
    const fn = timer.fn;
    if (fn === null) return false;
    timer.fn = null;
    this.live--;
    this.current = this.calendar.dueOf(slot);
    this.executed++;
    fn();
    return true;
  }

  /** Runs every event due at or before `timeMs`, then sets the time to `timeMs` (if later). */
  runUntil(timeMs: number): void {
    this.halted = false;
    while (!this.halted && this.hasEvents() && this.soonestDue() <= timeMs) {
      this.runNext();
    }
    if (this.halted) {
      this.halted = false;
      return;
    }
    if (timeMs > this.current) this.current = timeMs;
  }

  private dropCleared(): void {
    while (this.hasEvents() && this.soonest().fn === null) this.release(this.calendar.pop());
  }

  /** Some timer is queued, possibly cleared. */
  private hasEvents(): boolean {
    return this.calendar.size > 0;
  }

  /** The soonest queued timer (there must be one). */
  private soonest(): VirtualTimer {
    return this.timers[this.calendar.peekSlot()]!;
  }

  /** Due time of the soonest queued timer (there must be one). */
  private soonestDue(): number {
    return this.calendar.peekDue();
  }

  /** Queues a timer at a due time. */
  private push(t: VirtualTimer, due: number): void {
    t.queued = true;
    const slot = this.calendar.push(due, t.id);
    if (slot === this.timers.length) this.timers.push(t);
    else this.timers[slot] = t;
  }

  /** The timer of a slot just popped from the calendar; frees its place in `timers`. */
  private release(slot: number): VirtualTimer {
    const timer = this.timers[slot]!;
    this.timers[slot] = undefined;
    timer.queued = false;
    return timer;
  }
}
