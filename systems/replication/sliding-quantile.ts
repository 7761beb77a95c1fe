/**
 * A quantile over the last `capacity` values added (a sliding window), kept as a sorted array so
 * that a quantile is a lookup: add() costs O(capacity) moves at worst, quantile() O(1).
 */
export class SlidingQuantile {
  private readonly ring: number[] = [];
  private next = 0;
  private readonly sorted: number[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
  }

  get count(): number {
    return this.sorted.length;
  }

  add(value: number): void {
    if (Number.isNaN(value)) throw new RangeError('SlidingQuantile.add: NaN');
    if (this.ring.length < this.capacity) {
      this.ring.push(value);
    } else {
      const oldest = this.ring[this.next];
      this.ring[this.next] = value;
      this.next = (this.next + 1) % this.capacity;
      this.sorted.splice(this.lowerBound(oldest), 1);
    }
    this.sorted.splice(this.lowerBound(value), 0, value);
  }

  /** Nearest-rank quantile (q in [0, 1]) of the values in the window; NaN when empty. */
  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
    return this.sorted[rank - 1];
  }

  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
