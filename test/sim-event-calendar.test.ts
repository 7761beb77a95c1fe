import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { EventCalendar } from '../harness/sim/event-calendar.ts';
import { EventHeap } from '../harness/sim/event-heap.ts';

/** The order every queue must give: soonest due first, then lowest set order. */
const soonestFirst = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0] || a[1] - b[1];

/**
 * Drives a calendar and a plain sorted list with the same pushes and pops, as a clock would: each
 * pop moves `now` to the popped due time and pushes are due at or after now (delay from `delay`),
 * except the few that `early` makes due before it (the ring may have stepped ahead). Checks every
 * pop against the list and returns the calendar.
 */
function checkAgainstList(
  seed: number,
  operations: number,
  delay: (random: SeededRandom, step: number) => number,
  early = 0,
  startMs = 0,
  randomOrders = false,
): EventCalendar {
  const random = new SeededRandom(seed);
  const calendar = new EventCalendar(startMs);
  const pending = new Map<number, [number, number]>();
  let now = startMs;
  let order = 0;
  for (let step = 0; step < operations; step++) {
    if (pending.size === 0 || random.next() < 0.5) {
      const due = random.next() < early ? now - random.next() * 5 : now + delay(random, step);
      const entry: [number, number] = [due, randomOrders ? Math.floor(random.next() * 1e6) : ++order];
      const slot = calendar.push(due, entry[1]);
      assert.ok(!pending.has(slot), `slot ${slot} is given out while still queued`);
      pending.set(slot, entry);
    } else {
      const expected = [...pending.values()].sort(soonestFirst)[0];
      assert.equal(calendar.peekDue(), expected[0], `step ${step}: peekDue`);
      const peeked = calendar.peekSlot();
      const slot = calendar.pop();
      assert.equal(slot, peeked, `step ${step}: pop takes the entry peekSlot showed`);
      assert.deepEqual(pending.get(slot), expected, `step ${step}: popped (due, order)`);
      assert.equal(calendar.dueOf(slot), expected[0]);
      pending.delete(slot);
      if (expected[0] > now && Number.isFinite(expected[0])) now = expected[0];
    }
    assert.equal(calendar.size, pending.size);
  }
  while (pending.size > 0) {
    const expected = [...pending.values()].sort(soonestFirst)[0];
    const slot = calendar.pop();
    assert.deepEqual(pending.get(slot), expected, 'draining: popped (due, order)');
    pending.delete(slot);
  }
  assert.equal(calendar.size, 0);
  return calendar;
}

test('event heap: pops in (due, set order) order, ties by set order, through growth', () => {
  const heap = new EventHeap();
  const random = new SeededRandom(3);
  const entries: [number, number, number][] = [];
  for (let i = 0; i < 3000; i++) {
    const due = Math.floor(random.next() * 50); // many ties
    const order = Math.floor(random.next() * 1e6);
    entries.push([due, order, i]);
    heap.push(due, order, i);
  }
  assert.equal(heap.size, 3000);
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [due, , slot] of entries) {
    assert.equal(heap.topDue, due);
    assert.equal(heap.topSlot, slot);
    assert.equal(heap.pop(), slot);
  }
  assert.equal(heap.size, 0);
});

test('event calendar: service-time-like delays pop in exact (due, set order) order', () => {
  checkAgainstList(1, 20_000, (r) => 15 + r.next() * 10);
});

test('event calendar: equal due times keep their set order (integer delays, many ties)', () => {
  checkAgainstList(2, 20_000, (r) => Math.floor(r.next() * 4));
});

test('event calendar: set orders given in any order still break ties', () => {
  checkAgainstList(9, 20_000, (r) => Math.floor(r.next() * 3), 0.05, 0, true);
});

test('event calendar: far-future entries wait in the overflow and come back in order', () => {
  // Mostly short delays, some hours ahead, some at Infinity (never reachable by the ring).
  checkAgainstList(3, 20_000, (r) => {
    const u = r.next();
    if (u < 0.05) return 3_600_000 * r.next();
    if (u < 0.06) return Infinity;
    return r.next() * 2;
  });
});

test('event calendar: entries due before the ring position (it stepped ahead) still come first', () => {
  checkAgainstList(4, 20_000, (r) => r.next() * 3, 0.1);
});

test('event calendar: a start far from zero, or negative, changes nothing', () => {
  checkAgainstList(5, 5_000, (r) => r.next() * 3, 0, 1e9);
  checkAgainstList(6, 5_000, (r) => r.next() * 3, 0.05, -12_345.5);
});

test('event calendar: it retunes to the events (width and ring) and keeps the exact order across rebuilds', () => {
  // Three phases: gaps of ~1 µs, then ~10 s, then ~1 µs again, each long enough to retune.
  const phase = (step: number): number => (step < 30_000 ? 0 : step < 60_000 ? 1 : 2);
  const calendar = checkAgainstList(7, 90_000, (r, step) => (phase(step) === 1 ? 10_000 : 0.001) * (1 + r.next()));
  const { widthMs, buckets } = calendar.tuning;
  // Last phase: pushes 0.001-0.002 ms ahead, about one pop per push: a gap well under 0.01 ms.
  assert.ok(widthMs < 0.01, `bucket width follows the short gaps: ${widthMs} ms`);
  assert.ok(buckets >= 64 && (buckets & (buckets - 1)) === 0, `bucket count is a power of two: ${buckets}`);

  // Many pending entries: the ring grows past its first 256 buckets.
  const big = new EventCalendar();
  const random = new SeededRandom(8);
  let now = 0;
  for (let i = 0; i < 5_000; i++) big.push(random.next() * 100, i);
  let order = 5_000;
  for (let i = 0; i < 20_000; i++) {
    const slot = big.pop();
    now = big.dueOf(slot);
    big.push(now + random.next() * 100, order++);
  }
  assert.ok(big.tuning.buckets >= 4 * 5_000, `ring of ${big.tuning.buckets} buckets for 5,000 pending entries`);
});

test('event calendar: many entries pushed out of order into one bucket before any pop: it retunes at once', () => {
  // 30,000 entries at random times within 1 ms (the first bucket width): without retuning, each
  // push would walk half of one list (about 2 x 10^8 steps in all).
  const calendar = new EventCalendar();
  const random = new SeededRandom(10);
  const entries: [number, number][] = [];
  for (let i = 0; i < 30_000; i++) {
    const due = random.next();
    entries.push([due, i]);
    calendar.push(due, i);
  }
  assert.ok(calendar.tuning.widthMs < 0.01, `retuned to a width of ${calendar.tuning.widthMs} ms`);
  entries.sort(soonestFirst);
  for (const [due, order] of entries) {
    const slot = calendar.pop();
    assert.equal(calendar.dueOf(slot), due, `entry ${order}`);
  }
});

test('event calendar: bad tuning is refused', () => {
  assert.throws(() => new EventCalendar(0, 0), /bucket width/);
  assert.throws(() => new EventCalendar(0, Infinity), /bucket width/);
  assert.throws(() => new EventCalendar(0, 1, 100), /power of two/);
});
