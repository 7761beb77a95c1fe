/** What an item needs to be on a LinkedList: its neighbours there, and whether it is on a list. */
export interface ListLinks<T> {
  listPrev: T | undefined;
  listNext: T | undefined;
  listed: boolean;
}

/**
 * A doubly linked list threaded through its items' own links: append, prepend and remove in O(1),
 * without allocating or hashing anything per item (the systems keep one entry per request on such
 * lists, hundreds of thousands of times per second in a simulation). An item is on at most one list
 * at a time; its owner creates it with `listPrev` and `listNext` undefined and `listed` false.
 */
export class LinkedList<T extends ListLinks<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The first item, or undefined when the list is empty. */
  get first(): T | undefined {
    return this.head;
  }

  append(item: T): void {
    this.link(item);
    item.listPrev = this.tail;
    if (this.tail) this.tail.listNext = item;
    else this.head = item;
    this.tail = item;
  }

  prepend(item: T): void {
    this.link(item);
    item.listNext = this.head;
    if (this.head) this.head.listPrev = item;
    else this.tail = item;
    this.head = item;
  }

  /** Takes an item off the list; false, and nothing done, if it is not on it. */
  remove(item: T): boolean {
    if (!item.listed) return false;
    item.listed = false;
    const { listPrev, listNext } = item;
    if (listPrev) listPrev.listNext = listNext;
    else this.head = listNext;
    if (listNext) listNext.listPrev = listPrev;
    else this.tail = listPrev;
    item.listPrev = item.listNext = undefined;
    this.count--;
    return true;
  }

  /** The items, first to last (a copy: the list may change while the caller goes through them). */
  items(): T[] {
    const out: T[] = [];
    for (let item = this.head; item !== undefined; item = item.listNext) out.push(item);
    return out;
  }

  /** Takes every item off the list. */
  clear(): void {
    for (const item of this.items()) this.remove(item);
  }

  private link(item: T): void {
    if (item.listed) throw new Error('linked list: the item is already on a list');
    item.listed = true;
    this.count++;
  }
}
