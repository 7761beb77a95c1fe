/**
 * A binary min-heap of events: entries (due time, set order, slot), the soonest due time first and,
 * at equal due times, the lowest set order. It holds numbers only, in one typed array: entry i is
 * heap[4i] due, heap[4i + 1] set order, heap[4i + 2] slot (heap[4i + 3] unused, so an entry is 32
 * bytes and two siblings share a cache line). A sift moves numbers, never object references.
 */
export class EventHeap {
  private heap = new Float64Array(4 * 64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Due time of the soonest entry (there must be one). */
  get topDue(): number {
    return this.heap[0];
  }

  /** Slot of the soonest entry (there must be one). */
  get topSlot(): number {
    return this.heap[2];
  }

  push(due: number, order: number, slot: number): void {
    let i = this.count;
    if (4 * i === this.heap.length) {
      const grown = new Float64Array(this.heap.length * 2);
      grown.set(this.heap);
      this.heap = grown;
    }
    const heap = this.heap;
    this.count = i + 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = parent << 2;
      const pd = heap[p];
      if (pd < due || (pd === due && heap[p + 1] < order)) break;
      this.move(parent, i);
      i = parent;
    }
    this.put(i, due, order, slot);
  }

  /** Removes the soonest entry and returns its slot (there must be one). */
  pop(): number {
    const heap = this.heap;
    const top = heap[2];
    const n = --this.count;
    if (n > 0) {
      const last = n << 2;
      const lastDue = heap[last];
      const lastOrder = heap[last + 1];
      const lastSlot = heap[last + 2];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        let e = c << 2;
        if (c + 1 < n) {
          // The sooner child, without a branch on the due times: which child it is is a coin toss
          // the processor cannot predict. Equal due times (rare) go by set order.
          const ld = heap[e];
          const rd = heap[e + 4];
          let right = ((rd < ld) as unknown as number) | 0;
          if (rd === ld) right = ((heap[e + 5] < heap[e + 1]) as unknown as number) | 0;
          c += right;
          e += right << 2;
        }
        const cd = heap[e];
        if (lastDue < cd || (lastDue === cd && lastOrder < heap[e + 1])) break;
        this.move(c, i);
        i = c;
      }
      this.put(i, lastDue, lastOrder, lastSlot);
    }
    return top;
  }

  /** Writes an entry at heap position `at`. */
  private put(at: number, due: number, order: number, slot: number): void {
    const e = at << 2;
    this.heap[e] = due;
    this.heap[e + 1] = order;
    this.heap[e + 2] = slot;
  }

  /** Copies entry `from` over entry `to` (heap positions). */
  private move(from: number, to: number): void {
    const heap = this.heap;
    const f = from << 2;
    const t = to << 2;
    heap[t] = heap[f];
    heap[t + 1] = heap[f + 1];
    heap[t + 2] = heap[f + 2];
  }
}
