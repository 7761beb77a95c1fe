import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { IdWindow } from '../systems/id-window.ts';

test('id window: numbers and flags of open ids survive growth, skipped ids stay closed, the oldest open id bounds the window', () => {
  const w = new IdWindow(3);
  const open = new Map<number, number>();
  const random = new SeededRandom(9);
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    if (random.next() < 0.6) {
      // Now and then skip a few ids, as a system sees ids another system answered.
      const id = next + (random.next() < 0.1 ? 1 + Math.floor(random.next() * 5) : 0);
      const flags = 1 + (id % 3);
      w.open(id, flags);
      for (let c = 0; c < 3; c++) w.setValue(id, c, id * 10 + c);
      open.set(id, flags);
      next = id + 1;
    } else if (open.size > 1) {
      // Id 2 stays open to the end: the window grows to span every id since.
      const ids = [...open.keys()].filter((id) => id !== 2);
      const id = ids[Math.floor(random.next() * ids.length)];
      w.close(id);
      open.delete(id);
    }
  }
  assert.ok(w.capacity > 4096, `the window grew (capacity ${w.capacity})`);
  assert.equal(w.size, open.size);
  assert.equal(w.oldest, 2);
  assert.equal(w.next, next);
  for (let id = -2; id < next + 3; id++) {
    const flags = open.get(id);
    assert.equal(w.isOpen(id), flags !== undefined, `isOpen(${id})`);
    if (flags === undefined) continue;
    assert.equal(w.flagsOf(id), flags, `flagsOf(${id})`);
    for (let c = 0; c < 3; c++) assert.equal(w.value(id, c), id * 10 + c, `value(${id}, ${c})`);
  }
  assert.deepEqual([...w.openIds()], [...open.keys()].sort((a, b) => a - b));
  assert.equal(w.isOpen(2.5), false, 'a fraction is never in the window');

  // Closing the oldest moves the window's start to the next open id.
  w.close(2);
  assert.equal(w.oldest, Math.min(...[...open.keys()].filter((id) => id !== 2)));
});

test('id window: clear closes everything and starts at next; restartAt moves only an empty window; columns must be a positive integer', () => {
  const w = new IdWindow(1);
  w.open(0, 1);
  w.open(5, 1);
  assert.throws(() => w.restartAt(100), /ids still open/);
  w.clear();
  assert.equal(w.size, 0);
  assert.equal(w.oldest, 6);
  assert.equal(w.isOpen(5), false);
  // Ids skipped by a jump are closed, including those whose slots held ids open before the clear.
  w.open(1030, 1);
  assert.equal(w.isOpen(1024), false, 'slot 0 held id 0');
  assert.equal(w.isOpen(1029), false, 'slot 5 held id 5');
  // A jump past twice the capacity doubles the window twice.
  w.open(1030 + 2500, 1);
  assert.equal(w.capacity, 4096);
  assert.equal(w.isOpen(1030), true);
  w.clear();
  const capacity = w.capacity;
  w.restartAt(1_000_000);
  w.open(1_000_000, 1);
  w.setValue(1_000_000, 0, 7);
  assert.equal(w.value(1_000_000, 0), 7);
  assert.equal(w.capacity, capacity, 'a restart does not grow the window');
  assert.throws(() => new IdWindow(0), /columns must be a positive integer/);
});
