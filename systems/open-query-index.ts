/**
 * A system's open queries (submitted, not yet answered or lost) by query id, with the time each
 * was submitted and its label. The load driver numbers queries 0, 1, 2, ... in send order, so the
 * index keeps them in a window of typed arrays indexed by id, from the oldest open query to the
 * newest: opening, finding and closing a query is an array access, with nothing allocated or
 * hashed per query and no object reference stored into a long-lived table (each such store costs
 * the garbage collector's write barrier a slow path). Any other id still works: one that does not
 * fit the window (older than its oldest query, or far beyond its newest while queries are open)
 * is kept in a Map instead.
 *
 * The window's memory is 17 bytes per query submitted while the oldest open query waited; it
 * doubles when full and never shrinks.
 */
export class OpenQueryIndex {
  private capacity = 1024;
  private mask = this.capacity - 1;
  private submittedAt = new Float64Array(this.capacity);
  /** NaN: no label. */
  private labels = new Float64Array(this.capacity);
  /** 1: open. */
  private flags = new Uint8Array(this.capacity);
  /** The window: ids from `oldest` to `next` - 1; every id below `oldest` in it is closed. */
  private oldest = 0;
  private next = 0;
  /** Open queries in the window. */
  private windowCount = 0;
  private readonly others = new Map<number, { readonly submittedAt: number; readonly label: number | undefined }>();

  /** Open queries. */
  get size(): number {
    return this.windowCount + this.others.size;
  }

  /** Opens query `id`; false (and nothing changes) when a query with this id is open already. */
  open(id: number, submittedAt: number, label: number | undefined): boolean {
    if (this.windowCount === 0 && this.fits(id) && (id < this.oldest || id >= this.next)) {
      // Empty window: it starts again at this id (the usual first query, or a jump in the ids).
      this.oldest = id;
      this.next = id;
    }
    if (this.windowed(id)) {
      const i = id & this.mask;
      if (this.flags[i] !== 0) return false;
      this.put(i, submittedAt, label);
      return true;
    }
    if (id >= this.next && id - this.oldest < this.capacity * 4 && Number.isInteger(id)) {
      // Ahead of the window by a little: the ids skipped stay closed (slots outside the window are always closed).
      while (id - this.oldest >= this.capacity) this.grow();
      this.next = id + 1;
      this.put(id & this.mask, submittedAt, label);
      return true;
    }
    if (this.others.has(id)) return false;
    this.others.set(id, { submittedAt, label });
    return true;
  }

  isOpen(id: number): boolean {
    if (this.windowed(id)) return this.flags[id & this.mask] !== 0;
    return this.others.has(id);
  }

  /** When an open query was submitted. */
  submitted(id: number): number {
    if (this.windowed(id)) return this.submittedAt[id & this.mask];
    return this.others.get(id)?.submittedAt ?? NaN;
  }

  /** The label of an open query, or undefined. */
  label(id: number): number | undefined {
    if (this.windowed(id)) {
      const l = this.labels[id & this.mask];
      return l === l ? l : undefined;
    }
    return this.others.get(id)?.label;
  }

  /** Closes an open query; false when it was not open. */
  close(id: number): boolean {
    if (this.windowed(id)) {
      const i = id & this.mask;
      if (this.flags[i] === 0) return false;
      this.flags[i] = 0;
      this.windowCount--;
      if (id === this.oldest) {
        while (this.oldest < this.next && this.flags[this.oldest & this.mask] === 0) this.oldest++;
      }
      return true;
    }
    return this.others.delete(id);
  }

  /** The id is in the window (open or not): its slot is `id & mask`. */
  private windowed(id: number): boolean {
    return id >= this.oldest && id < this.next && Number.isInteger(id);
  }

  /** A window index can hold this id (a safe integer, so that `& mask` finds its slot). */
  private fits(id: number): boolean {
    return Number.isSafeInteger(id) && id >= 0;
  }

  private put(i: number, submittedAt: number, label: number | undefined): void {
    this.submittedAt[i] = submittedAt;
    this.labels[i] = label === undefined ? NaN : label;
    this.flags[i] = 1;
    this.windowCount++;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const mask = capacity - 1;
    const submittedAt = new Float64Array(capacity);
    const labels = new Float64Array(capacity);
    const flags = new Uint8Array(capacity);
    for (let id = this.oldest; id < this.next; id++) {
      const from = id & this.mask;
      const to = id & mask;
      submittedAt[to] = this.submittedAt[from];
      labels[to] = this.labels[from];
      flags[to] = this.flags[from];
    }
    this.capacity = capacity;
    this.mask = mask;
    this.submittedAt = submittedAt;
    this.labels = labels;
    this.flags = flags;
  }
}
