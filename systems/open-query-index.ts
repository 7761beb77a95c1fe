import { IdWindow } from './id-window.ts';

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
 * The window (an IdWindow) takes 17 bytes per query submitted while the oldest open query waited;
 * it doubles when full and never shrinks.
 */
export class OpenQueryIndex {
  /** Columns: submitted at, label (NaN: none). */
  private readonly window = new IdWindow(2);
  private readonly others = new Map<number, { readonly submittedAt: number; readonly label: number | undefined }>();

  /** Open queries. */
  get size(): number {
    return this.window.size + this.others.size;
  }

  /** Opens query `id`; false (and nothing changes) when a query with this id is open already. */
  open(id: number, submittedAt: number, label: number | undefined): boolean {
    const w = this.window;
    if (w.size === 0 && Number.isSafeInteger(id) && id >= 0 && (id < w.oldest || id >= w.next)) {
      // Empty window: it starts again at this id (the usual first query, or a jump in the ids).
      w.restartAt(id);
    }
    if (w.holds(id)) {
      if (w.flagsOf(id) !== 0) return false;
    } else if (!(id >= w.next && id - w.oldest < w.capacity * 4 && Number.isInteger(id))) {
      // Not ahead of the window by a little (ids skipped there stay closed): the map keeps it.
      if (this.others.has(id)) return false;
      this.others.set(id, { submittedAt, label });
      return true;
    }
    w.open(id, 1);
    w.setValue(id, 0, submittedAt);
    w.setValue(id, 1, label === undefined ? NaN : label);
    return true;
  }

  isOpen(id: number): boolean {
    const w = this.window;
    if (w.holds(id)) return w.flagsOf(id) !== 0;
    return this.others.has(id);
  }

  /** When an open query was submitted. */
  submitted(id: number): number {
    if (this.window.holds(id)) return this.window.value(id, 0);
    return this.others.get(id)?.submittedAt ?? NaN;
  }

  /** The label of an open query, or undefined. */
  label(id: number): number | undefined {
    if (this.window.holds(id)) {
      const l = this.window.value(id, 1);
      return l === l ? l : undefined;
    }
    return this.others.get(id)?.label;
  }

  /** Closes an open query; false when it was not open. */
  close(id: number): boolean {
    const w = this.window;
    if (w.holds(id)) {
      if (w.flagsOf(id) === 0) return false;
      w.close(id);
      return true;
    }
    return this.others.delete(id);
  }
}
