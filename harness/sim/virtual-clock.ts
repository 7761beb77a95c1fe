import type { Clock, ReusableTimer, TimerHandle } from '../clock.ts';

/**
 * One event: a timer of the virtual clock. The handle given back by setTimer is the entry itself.
 * A reusable timer sets its entry again once the clock's queue has let go of it (`queued` false).
 */
class VirtualTimer implements TimerHandle {
  /** Held by the clock's queue (the heap or the front place), even if cleared meanwhile. */
  queued = false;
  constructor(
    public id: number,
    public fn: (() => void) | null,
  ) {}
}

/**
 * The virtual clock's ReusableTimer: one entry, set again while it is out of the heap, so a timer
 * set once per request allocates nothing and stores no new object into the clock. An entry that
 * was cleared while still in the heap stays there, emptied, and a new entry takes its place.
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
 * The simulator's clock: virtual time in ms that jumps from one event to the next. Timers are
 * kept in a binary heap ordered by (due time, set order), so events at the same instant run in
 * the order they were set (FIFO ties) and a run is the same on every machine. Nothing happens
 * until run() (or runUntil) pops the events; each callback runs with now() equal to its due time,
 * synchronously, and may set more timers. Cleared timers stay in the heap, emptied, and are
 * skipped when they come up (no search on clear).
 *
 * The heap holds numbers only: each pending timer sits in a slot of `timers` from its push to its
 * pop, and the heap's typed arrays keep the slot, the due time and the set order of each entry. A
 * sift moves numbers, never object references: storing a newly made timer into a long-lived array
 * costs the garbage collector's write barrier a slow path, once per store, and a sift would do
 * that at every level it moves an entry (the heap is popped once per event).
 */
export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  /** Pending timers by slot; a slot is free (undefined) between a pop and the next push that takes it. */
  private readonly timers: (VirtualTimer | undefined)[] = [];
  private freeSlots = new Int32Array(256);
  private freeCount = 0;
  /** The heap, in three arrays indexed by heap position: slot of the timer, due time, set order. */
  private slots = new Int32Array(256);
  private dues = new Float64Array(256);
  private order = new Float64Array(256);
  private size = 0;
  /**
   * The soonest event, kept out of the heap while it is sooner than everything in it (in due time,
   * then set order). The next query's send is often the soonest event, set just after the previous
   * one ran: it then skips the heap's sift up and down.
   */
  private front: VirtualTimer | undefined = undefined;
  private frontDue = 0;
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
    const timer = new VirtualTimer(0, null);
    this.schedule(timer, delayMs, fn);
    return timer;
  }

  timer(fn: () => void): ReusableTimer {
    return new VirtualReusableTimer(this, fn);
  }

  /** Sets `timer` (not in the heap) to call `fn` `delayMs` from now; it takes the next set order, as a new timer would. */
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
      const due = this.soonestDue();
      if (this.fire(this.takeNext(), due)) budget--;
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
    this.halted = false;
    while (!this.halted && this.hasEvents() && this.soonestDue() <= timeMs) {
      const due = this.soonestDue();
      this.fire(this.takeNext(), due);
    }
    if (this.halted) {
      this.halted = false;
      return;
    }
    if (timeMs > this.current) this.current = timeMs;
  }

  private dropCleared(): void {
    while (this.hasEvents() && this.soonest().fn === null) this.takeNext();
  }

  /** Some timer is queued (in the front place or the heap), possibly cleared. */
  private hasEvents(): boolean {
    return this.front !== undefined || this.size > 0;
  }

  /** The soonest queued timer (there must be one). */
  private soonest(): VirtualTimer {
    return this.front ?? this.timers[this.slots[0]]!;
  }

  /** Due time of the soonest queued timer (there must be one). */
  private soonestDue(): number {
    return this.front !== undefined ? this.frontDue : this.dues[0];
  }

  /** Adds a timer: to the front place when it is sooner than everything queued, else to the heap. */
  private push(t: VirtualTimer, due: number): void {
    t.queued = true;
    const front = this.front;
    if (front === undefined) {
      // Strictly sooner than the heap's top (at the same due time the top was set first).
      if (this.size === 0 || due < this.dues[0]) {
        this.front = t;
        this.frontDue = due;
        return;
      }
    } else if (due < this.frontDue) {
      // Sooner than the front timer, which goes to the heap (it is sooner than all there).
      this.heapPush(front, this.frontDue);
      this.front = t;
      this.frontDue = due;
      return;
    }
    this.heapPush(t, due);
  }

  /** Removes and returns the soonest timer (there must be one). */
  private takeNext(): VirtualTimer {
    const front = this.front;
    if (front === undefined) return this.pop();
    this.front = undefined;
    front.queued = false;
    return front;
  }

  // ---- binary heap on (due, set order) ----------------------------------------------------

  private heapPush(t: VirtualTimer, due: number): void {
    const id = t.id;
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount];
      this.timers[slot] = t;
    } else {
      slot = this.timers.length;
      this.timers.push(t);
    }
    let i = this.size;
    if (i === this.dues.length) this.grow();
    const slots = this.slots;
    const dues = this.dues;
    const order = this.order;
    this.size = i + 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = dues[parent];
      if (pd < due || (pd === due && order[parent] < id)) break;
      slots[i] = slots[parent];
      dues[i] = pd;
      order[i] = order[parent];
      i = parent;
    }
    slots[i] = slot;
    dues[i] = due;
    order[i] = id;
  }

  private pop(): VirtualTimer {
    const slots = this.slots;
    const dues = this.dues;
    const order = this.order;
    const topSlot = slots[0];
    const top = this.timers[topSlot]!;
    this.timers[topSlot] = undefined;
    top.queued = false;
    if (this.freeCount === this.freeSlots.length) {
      const free = new Int32Array(this.freeCount * 2);
      free.set(this.freeSlots);
      this.freeSlots = free;
    }
    this.freeSlots[this.freeCount++] = topSlot;
    const n = --this.size;
    if (n > 0) {
      const lastSlot = slots[n];
      const lastDue = dues[n];
      const lastId = order[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n) {
          // The sooner child, without a branch: which child it is is a coin toss the processor cannot predict.
          const ld = dues[c];
          const rd = dues[c + 1];
          c += ((rd < ld) as unknown as number) | (((rd === ld) as unknown as number) & ((order[c + 1] < order[c]) as unknown as number));
        }
        const cd = dues[c];
        if (lastDue < cd || (lastDue === cd && lastId < order[c])) break;
        slots[i] = slots[c];
        dues[i] = cd;
        order[i] = order[c];
        i = c;
      }
      slots[i] = lastSlot;
      dues[i] = lastDue;
      order[i] = lastId;
    }
    return top;
  }

  private grow(): void {
    const capacity = this.dues.length * 2;
    const slots = new Int32Array(capacity);
    slots.set(this.slots);
    this.slots = slots;
    const dues = new Float64Array(capacity);
    dues.set(this.dues);
    this.dues = dues;
    const order = new Float64Array(capacity);
    order.set(this.order);
    this.order = order;
  }
}
