import { IdWindow } from '../../systems/id-window.ts';

const OPEN = 1;
const WARMUP = 2;

/**
 * The load driver's open queries: sent, not yet answered or lost. The driver numbers queries
 * 0, 1, 2, ... in send order, so the table is a window of typed arrays indexed by id (from the
 * oldest query that may still be open to the newest) instead of a hash map of objects: adding,
 * finding and closing a query is an array access, and nothing is allocated per query.
 *
 * The window (an IdWindow) spans the open queries from the oldest to the newest, closed ones in
 * between included, so its memory is 25 bytes per query sent while the oldest open query waited (at
 * 400 q/s, a query open for a minute holds 24,000 slots, 600 KB). It doubles when full and never
 * shrinks within a run.
 */
export class OpenQueryTable {
  /** Columns: scheduled, submitted, label (NaN: none); flags OPEN, OPEN | WARMUP. */
  private readonly window = new IdWindow(3);

  /** Queries open now. */
  get size(): number {
    return this.window.size;
  }

  /** Opens query `id`, which must be the next id (0, 1, 2, ...). */
  add(id: number, scheduledMs: number, submittedMs: number, label: number | undefined, warmup: boolean): void {
    const w = this.window;
    if (id !== w.next) throw new RangeError(`open query table: query ${id} sent after ${w.next - 1}; ids must be 0, 1, 2, ... in send order`);
    w.open(id, warmup ? OPEN | WARMUP : OPEN);
    w.setValue(id, 0, scheduledMs);
    w.setValue(id, 1, submittedMs);
    w.setValue(id, 2, label === undefined ? NaN : label);
  }

  /** True when `id` was sent and is neither answered nor lost. */
  isOpen(id: number): boolean {
    return this.window.isOpen(id);
  }

  /** Scheduled send time of an open query (ms from the run start). */
  scheduled(id: number): number {
    return this.window.value(id, 0);
  }

  /** Actual send time of an open query (ms from the run start). */
  submitted(id: number): number {
    return this.window.value(id, 1);
  }

  /** Label of an open query, or undefined. */
  label(id: number): number | undefined {
    const l = this.window.value(id, 2);
    return l === l ? l : undefined;
  }

  /** True when an open query was sent during the warm-up. */
  warmup(id: number): boolean {
    return (this.window.flagsOf(id) & WARMUP) !== 0;
  }

  /** Closes an open query (see isOpen). */
  close(id: number): void {
    this.window.close(id);
  }

  /** Ids of the open queries, oldest first. */
  openIds(): Generator<number, undefined> {
    return this.window.openIds();
  }

  /** Closes every query. */
  clear(): void {
    this.window.clear();
  }
}
