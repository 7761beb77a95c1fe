/**
 * Numbers kept per id for a window of consecutive integer ids, in typed arrays indexed by id: for
 * tables of open queries, which a load driver numbers 0, 1, 2, ... in send order, so that opening,
 * finding and closing one is an array access, with nothing allocated or hashed per query and no
 * object reference stored into a long-lived table (each such store costs the garbage collector's
 * write barrier a slow path).
 *
 * The window holds ids from `oldest` to `next` - 1. Each id in it is open (a nonzero flag byte,
 * whose bits are the owner's) or closed; ids below `oldest` and from `next` on are closed. Each id
 * has `columns` numbers, readable while it is open. Closing the oldest open id moves `oldest` up to
 * the next open one. The window doubles when an id does not fit and never shrinks, so its memory
 * is (8 x columns + 1) bytes per id opened while the oldest open id waited.
 */
export class IdWindow {
  private capacityNow = 1024;
  private mask = this.capacityNow - 1;
  /** The numbers of the id in slot s at s * columns, s * columns + 1, ... */
  private values: Float64Array;
  /** 0: closed. */
  private flags = new Uint8Array(this.capacityNow);
  private oldestId = 0;
  private nextId = 0;
  private openCount = 0;

  constructor(private readonly columns: number) {
    if (!(Number.isInteger(columns) && columns >= 1)) throw new RangeError(`id window: columns must be a positive integer, got ${columns}`);
    this.values = new Float64Array(this.capacityNow * columns);
  }

  /** Open ids. */
  get size(): number {
    return this.openCount;
  }

  /** The lowest id in the window (every id below it is closed). */
  get oldest(): number {
    return this.oldestId;
  }

  /** One past the highest id in the window. */
  get next(): number {
    return this.nextId;
  }

  /** Ids the window can span before it doubles. */
  get capacity(): number {
    return this.capacityNow;
  }

  /** `id` is an integer within the window, open or closed. */
  holds(id: number): boolean {
    return id >= this.oldestId && id < this.nextId && Number.isInteger(id);
  }

  /** The flag byte of an id the window holds (0: closed). */
  flagsOf(id: number): number {
    return this.flags[id & this.mask];
  }

  /** `id` is in the window and open. */
  isOpen(id: number): boolean {
    return this.holds(id) && this.flags[id & this.mask] !== 0;
  }

  /** Number `column` of an open id. */
  value(id: number, column: number): number {
    return this.values[(id & this.mask) * this.columns + column];
  }

  /** Sets number `column` of an open id. */
  setValue(id: number, column: number, value: number): void {
    this.values[(id & this.mask) * this.columns + column] = value;
  }

  /**
   * Opens `id` with nonzero `flags`: a closed id within the window, or one at or past `next` (the
   * window grows to it; ids skipped stay closed). The caller checks that: an integer, not open,
   * not below `oldest`, and not so far ahead that the doubling costs more than it saves.
   */
  open(id: number, flags: number): void {
    if (id >= this.nextId) {
      while (id - this.oldestId >= this.capacityNow) this.grow();
      this.nextId = id + 1;
    }
    this.flags[id & this.mask] = flags;
    this.openCount++;
  }

  /** Closes an open id. */
  close(id: number): void {
    this.flags[id & this.mask] = 0;
    this.openCount--;
    if (id === this.oldestId) {
      while (this.oldestId < this.nextId && this.flags[this.oldestId & this.mask] === 0) this.oldestId++;
    }
  }

  /** Closes every id; the window starts again at `next`. */
  clear(): void {
    this.flags.fill(0);
    this.openCount = 0;
    this.oldestId = this.nextId;
  }

  /** Moves an empty window to start at `id` (a safe integer at least 0, so that `& mask` finds its slot). */
  restartAt(id: number): void {
    if (this.openCount !== 0) throw new Error('id window: restartAt() with ids still open');
    this.oldestId = id;
    this.nextId = id;
  }

  /** Open ids, oldest first. */
  *openIds(): Generator<number, undefined> {
    for (let id = this.oldestId; id < this.nextId; id++) if (this.flags[id & this.mask] !== 0) yield id;
  }

  private grow(): void {
    const capacity = this.capacityNow * 2;
    const mask = capacity - 1;
    const columns = this.columns;
    const values = new Float64Array(capacity * columns);
    const flags = new Uint8Array(capacity);
    for (let id = this.oldestId; id < this.nextId; id++) {
      const from = id & this.mask;
      const to = id & mask;
      for (let c = 0; c < columns; c++) values[to * columns + c] = this.values[from * columns + c];
      flags[to] = this.flags[from];
    }
    this.capacityNow = capacity;
    this.mask = mask;
    this.values = values;
    this.flags = flags;
  }
}
