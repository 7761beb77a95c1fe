const OPEN = 1;
const WARMUP = 2;

/**
 * The load driver's open queries: sent, not yet answered or lost. The driver numbers queries
 * 0, 1, 2, ... in send order, so the table is a window of typed arrays indexed by id (from the
 * oldest query that may still be open to the newest) instead of a hash map of objects: adding,
 * finding and closing a query is an array access, and nothing is allocated per query.
 *
 * The window spans the open queries from the oldest to the newest, closed ones in between
 * included, so its memory is 25 bytes per query sent while the oldest open query waited (at
 * 400 q/s, a query open for a minute holds 24,000 slots, 600 KB). It doubles when full and never
 * shrinks within a run.
 */
export class OpenQueryTable {
  private capacity = 1024;
  private mask = this.capacity - 1;
  private scheduledMs = new Float64Array(this.capacity);
  private submittedMs = new Float64Array(this.capacity);
  /** NaN: no label. */
  private labels = new Float64Array(this.capacity);
  /** 0: closed (or never sent); OPEN; OPEN | WARMUP. */
  private flags = new Uint8Array(this.capacity);
  /** Every id below `oldest` is closed; ids from `next` on were not sent yet. */
  private oldest = 0;
  private next = 0;
  private openCount = 0;

  /** Queries open now. */
  get size(): number {
    return this.openCount;
  }

  /** Opens query `id`, which must be the next id (0, 1, 2, ...). */
  add(id: number, scheduledMs: number, submittedMs: number, label: number | undefined, warmup: boolean): void {
    if (id !== this.next) throw new RangeError(`open query table: query ${id} sent after ${this.next - 1}; ids must be 0, 1, 2, ... in send order`);
    if (this.next - this.oldest === this.capacity) this.grow();
    const i = id & this.mask;
    this.scheduledMs[i] = scheduledMs;
    this.submittedMs[i] = submittedMs;
    this.labels[i] = label === undefined ? NaN : label;
    this.flags[i] = warmup ? OPEN | WARMUP : OPEN;
    this.next++;
    this.openCount++;
  }

  /** True when `id` was sent and is neither answered nor lost. */
  isOpen(id: number): boolean {
    return Number.isInteger(id) && id >= this.oldest && id < this.next && this.flags[id & this.mask] !== 0;
  }

  /** Scheduled send time of an open query (ms from the run start). */
  scheduled(id: number): number {
    return this.scheduledMs[id & this.mask];
  }

  /** Actual send time of an open query (ms from the run start). */
  submitted(id: number): number {
    return this.submittedMs[id & this.mask];
  }

  /** Label of an open query, or undefined. */
  label(id: number): number | undefined {
    const l = this.labels[id & this.mask];
    return l === l ? l : undefined;
  }

  /** True when an open query was sent during the warm-up. */
  warmup(id: number): boolean {
    return (this.flags[id & this.mask] & WARMUP) !== 0;
  }

  /** Closes an open query (see isOpen). */
  close(id: number): void {
    this.flags[id & this.mask] = 0;
    this.openCount--;
    if (id === this.oldest) {
      while (this.oldest < this.next && this.flags[this.oldest & this.mask] === 0) this.oldest++;
    }
  }

  /** Ids of the open queries, oldest first. */
  *openIds(): Generator<number, undefined> {
    for (let id = this.oldest; id < this.next; id++) if (this.flags[id & this.mask] !== 0) yield id;
  }

  /** Closes every query. */
  clear(): void {
    this.flags.fill(0);
    this.openCount = 0;
    this.oldest = this.next;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const mask = capacity - 1;
    const scheduledMs = new Float64Array(capacity);
    const submittedMs = new Float64Array(capacity);
    const labels = new Float64Array(capacity);
    const flags = new Uint8Array(capacity);
    for (let id = this.oldest; id < this.next; id++) {
      const from = id & this.mask;
      const to = id & mask;
      scheduledMs[to] = this.scheduledMs[from];
      submittedMs[to] = this.submittedMs[from];
      labels[to] = this.labels[from];
      flags[to] = this.flags[from];
    }
    this.capacity = capacity;
    this.mask = mask;
    this.scheduledMs = scheduledMs;
    this.submittedMs = submittedMs;
    this.labels = labels;
    this.flags = flags;
  }
}
