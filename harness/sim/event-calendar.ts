import { EventHeap } from './event-heap.ts';

const NONE = -1;
/** Pops between two looks at whether the bucket width and count still suit the events. */
const ADAPT_EVERY = 4096;
/**
 * Steps walked along bucket lists by pushes between two looks past which the queue retunes at once,
 * from the pending entries: many entries pushed out of order into one bucket before any pop.
 */
const STEP_LIMIT = 8 * ADAPT_EVERY;
/** Bucket numbers at or past this are not used (cur + 1 must still differ from cur). */
const MAX_BUCKET = 2 ** 52;
const MIN_BUCKETS = 64;
const MAX_BUCKETS = 1 << 20;

/**
 * The virtual clock's event queue: entries (due time, set order) taken out soonest first and, at
 * equal due times, in set order; the order is exact, whatever the queue's tuning. Each entry lives
 * in a slot (a small integer, reused after the entry is popped) that the caller uses to find what
 * the entry stands for.
 *
 * A calendar queue: time is cut into buckets `width` ms long, and a ring of `buckets` lists holds
 * the entries of the buckets from the current one (`cur`) on, each list sorted by (due, order).
 * Taking the soonest entry takes the head of the current list, stepping over empty buckets; adding
 * one usually appends to the tail of its bucket's list (a new timer is mostly later than those set
 * before it for the same bucket). Both cost about the same whatever the number of pending events,
 * where a heap costs a sift through log2(n) levels. Entries past the ring's reach wait in an
 * overflow heap and move into the ring as it comes to their bucket; an entry due before the
 * current bucket (the ring stepped ahead of the clock) joins the current bucket's list, where the
 * sort keeps it first. Every ADAPT_EVERY pops the queue compares its bucket width with three times
 * the mean time between the events just popped, and its ring with the pending count, and rebuilds
 * when either is far off (see adapt); pushes that walk long lists retune it at once.
 *
 * Due times must not be NaN. Everything is in typed arrays: no object is made per entry.
 */
export class EventCalendar {
  private dues = new Float64Array(256);
  private orders = new Float64Array(256);
  /** Next slot in the same bucket's list, or NONE. */
  private nexts = new Int32Array(256);
  private freeSlots = new Int32Array(256);
  private freeCount = 0;
  private slotsMade = 0;
  private count = 0;

  // Set by retune():
  private width!: number;
  private inverse!: number;
  private buckets!: number;
  private mask!: number;
  private heads!: Int32Array;
  private tails!: Int32Array;
  /** Bucket number of the current ring position: ring entries are in buckets cur to cur + buckets - 1. */
  private cur: number;
  private inRing = 0;
  private readonly overflow = new EventHeap();
  /** Bucket number of the overflow's soonest entry (Infinity when the overflow is empty). */
  private overflowBucket = Infinity;

  // Since the last look at the tuning:
  private pops = 0;
  private walkSteps = 0;
  /** Due time of the last entry popped before this round of ADAPT_EVERY pops (the start time before the first round). */
  private roundStartDue: number;

  /** `startMs`: the clock's time at the start (no entry may be due before it for the ring to be used well). */
  constructor(startMs = 0, widthMs = 1, buckets = 256) {
    if (!(widthMs > 0) || !Number.isFinite(widthMs)) throw new RangeError(`event calendar: the bucket width must be a positive number of ms, got ${widthMs}`);
    if (!Number.isInteger(Math.log2(buckets)) || buckets < 1) throw new RangeError(`event calendar: the bucket count must be a power of two, got ${buckets}`);
    this.retune(widthMs, buckets);
    this.cur = usableBucket(Math.floor(startMs * this.inverse));
    this.roundStartDue = startMs;
  }

  /** Entries queued. */
  get size(): number {
    return this.count;
  }

  /** Bucket width in ms and bucket count now (they change as the queue adapts). */
  get tuning(): { readonly widthMs: number; readonly buckets: number } {
    return { widthMs: this.width, buckets: this.buckets };
  }

  /** Queues an entry and returns its slot. */
  push(due: number, order: number): number {
    let slot: number;
    if (this.freeCount > 0) slot = this.freeSlots[--this.freeCount];
    else {
      slot = this.slotsMade++;
      if (slot === this.dues.length) this.growSlots();
    }
    this.dues[slot] = due;
    this.orders[slot] = order;
    this.count++;
    this.place(slot, due, order);
    if (this.walkSteps > STEP_LIMIT) this.adaptToPending();
    return slot;
  }

  /** Slot of the soonest entry (there must be one). */
  peekSlot(): number {
    const slot = this.seek();
    return slot === NONE ? this.overflow.topSlot : slot;
  }

  /** Due time of the soonest entry (there must be one). */
  peekDue(): number {
    const slot = this.seek();
    return slot === NONE ? this.overflow.topDue : this.dues[slot];
  }

  /**
   * Removes the soonest entry (there must be one) and returns its slot. The entry's due time stays
   * readable through dueOf(slot) until the next push (which may reuse the slot).
   */
  pop(): number {
    let slot = this.seek();
    if (slot === NONE) {
      slot = this.takeOverflow();
    } else {
      const b = this.cur & this.mask;
      const next = this.nexts[slot];
      this.heads[b] = next;
      if (next === NONE) this.tails[b] = NONE;
      this.inRing--;
    }
    this.count--;
    if (this.freeCount === this.freeSlots.length) {
      const free = new Int32Array(this.freeCount * 2);
      free.set(this.freeSlots);
      this.freeSlots = free;
    }
    this.freeSlots[this.freeCount++] = slot;
    if (++this.pops === ADAPT_EVERY) this.adapt(this.dues[slot]);
    return slot;
  }

  /** Due time of a queued entry, or of the entry just popped from this slot. */
  dueOf(slot: number): number {
    return this.dues[slot];
  }

  /**
   * Steps the ring to the soonest entry and returns its slot; NONE when the soonest entry waits in
   * the overflow at a time the ring cannot reach (bucket numbers past MAX_BUCKET, e.g. due at
   * Infinity). There must be an entry.
   */
  private seek(): number {
    for (;;) {
      if (this.inRing === 0) {
        // Nothing in the ring: jump to the overflow's soonest bucket.
        const b = this.overflowBucket;
        if (!(b < MAX_BUCKET)) return NONE;
        if (b > this.cur) this.cur = b;
        this.migrate();
      }
      const head = this.heads[this.cur & this.mask];
      if (head !== NONE) return head;
      this.cur++;
      if (this.overflowBucket < this.cur + this.buckets) this.migrate();
    }
  }

  /** Moves the overflow's entries that the ring now reaches into the ring. */
  private migrate(): void {
    const end = this.cur + this.buckets;
    while (this.overflowBucket < end) {
      const bucket = this.overflowBucket;
      const slot = this.takeOverflow();
      this.link(slot, bucket < this.cur ? this.cur : bucket, this.dues[slot], this.orders[slot]);
    }
  }

  /** Pops the overflow's soonest entry and returns its slot. */
  private takeOverflow(): number {
    const slot = this.overflow.pop();
    this.overflowBucket = this.overflow.size > 0 ? Math.floor(this.overflow.topDue * this.inverse) : Infinity;
    return slot;
  }

  /** Puts a slot's entry in the ring (its bucket, or the current one if due before it) or in the overflow. */
  private place(slot: number, due: number, order: number): void {
    const bucket = Math.floor(due * this.inverse);
    if (bucket < this.cur + this.buckets) {
      this.link(slot, bucket < this.cur ? this.cur : bucket, due, order);
      return;
    }
    this.overflow.push(due, order, slot);
    if (bucket < this.overflowBucket) this.overflowBucket = bucket;
  }

  /** Inserts a slot's entry into a bucket's list, in (due, order) order. */
  private link(slot: number, bucket: number, due: number, order: number): void {
    const i = bucket & this.mask;
    const dues = this.dues;
    const orders = this.orders;
    const nexts = this.nexts;
    this.inRing++;
    const tail = this.tails[i];
    if (tail === NONE) {
      this.heads[i] = slot;
      this.tails[i] = slot;
      nexts[slot] = NONE;
      return;
    }
    const tailDue = dues[tail];
    if (tailDue < due || (tailDue === due && orders[tail] < order)) {
      nexts[tail] = slot;
      this.tails[i] = slot;
      nexts[slot] = NONE;
      return;
    }
    // Sooner than the tail: walk from the head (the list ends with the tail, so p stops before it).
    let prev = NONE;
    let p = this.heads[i];
    for (;;) {
      const pd = dues[p];
      if (due < pd || (due === pd && order < orders[p])) break;
      prev = p;
      p = nexts[p];
      this.walkSteps++;
    }
    nexts[slot] = p;
    if (prev === NONE) this.heads[i] = slot;
    else nexts[prev] = slot;
  }

  /**
   * Looks at the last ADAPT_EVERY pops: retunes and rebuilds when the bucket width is off by more
   * than 2x from three times the mean time between the events popped, or the ring is outgrown.
   */
  private adapt(lastDue: number): void {
    const gap = (lastDue - this.roundStartDue) / this.pops;
    this.pops = 0;
    this.walkSteps = 0;
    this.roundStartDue = lastDue;
    let width = gap > 0 && Number.isFinite(gap) ? 3 * gap : this.width;
    if (width < 2 * this.width && width > this.width / 2) width = this.width;
    const buckets = 4 * this.count > this.buckets || 64 * this.count < this.buckets ? this.ringFor(this.count) : this.buckets;
    if (width === this.width && buckets === this.buckets) return;
    this.rebuild(width, buckets);
  }

  /**
   * Retunes from the entries in the ring (no pops to learn from): a width of three times their
   * mean spacing, a ring four times the pending count.
   */
  private adaptToPending(): void {
    this.walkSteps = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let j = 0; j < this.buckets; j++) {
      for (let p = this.heads[j]; p !== NONE; p = this.nexts[p]) {
        const due = this.dues[p];
        if (due < low) low = due;
        if (due > high) high = due;
      }
    }
    const spacing = (high - low) / this.inRing;
    const width = spacing > 0 && Number.isFinite(spacing) ? 3 * spacing : this.width;
    // Equal due times (nothing to spread) or a width near this one: a rebuild would not help.
    if (!(width < this.width / 2)) return;
    this.rebuild(width, this.ringFor(this.count));
  }

  /** Re-files every entry with a new bucket width and count; the order of entries is unchanged. */
  private rebuild(width: number, buckets: number): void {
    // Every entry, soonest first: the ring from the current bucket on, then the overflow.
    const all = new Int32Array(this.count);
    let n = 0;
    for (let j = 0; j < this.buckets && n < this.inRing; j++) {
      for (let p = this.heads[(this.cur + j) & this.mask]; p !== NONE; p = this.nexts[p]) all[n++] = p;
    }
    while (this.overflow.size > 0) all[n++] = this.overflow.pop();
    this.retune(width, buckets);
    this.inRing = 0;
    this.overflowBucket = Infinity;
    this.cur = n > 0 ? usableBucket(Math.floor(this.dues[all[0]] * this.inverse)) : 0;
    for (let j = 0; j < n; j++) this.place(all[j], this.dues[all[j]], this.orders[all[j]]);
  }

  /** Ring size for `pending` entries: a power of two at least four times as many, within limits. */
  private ringFor(pending: number): number {
    let buckets = MIN_BUCKETS;
    while (buckets < 4 * pending && buckets < MAX_BUCKETS) buckets *= 2;
    return buckets;
  }

  /** Sets the bucket width and count, with an empty ring. */
  private retune(width: number, buckets: number): void {
    this.width = width;
    this.inverse = 1 / width;
    this.buckets = buckets;
    this.mask = buckets - 1;
    this.heads = new Int32Array(buckets).fill(NONE);
    this.tails = new Int32Array(buckets).fill(NONE);
  }

  private growSlots(): void {
    const capacity = this.dues.length * 2;
    const dues = new Float64Array(capacity);
    dues.set(this.dues);
    this.dues = dues;
    const orders = new Float64Array(capacity);
    orders.set(this.orders);
    this.orders = orders;
    const nexts = new Int32Array(capacity);
    nexts.set(this.nexts);
    this.nexts = nexts;
  }
}

/** A bucket number the ring can start at: `bucket` if within ±MAX_BUCKET, else 0 (e.g. Infinity, NaN). */
function usableBucket(bucket: number): number {
  return bucket < MAX_BUCKET && bucket > -MAX_BUCKET ? bucket : 0;
}
