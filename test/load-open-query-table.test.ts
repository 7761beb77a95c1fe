import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { OpenQueryTable } from '../harness/load/open-query-table.ts';

interface Expected {
  readonly scheduled: number;
  readonly submitted: number;
  readonly label: number | undefined;
  readonly warmup: boolean;
}

test('open query table: agrees with a map through growth, out-of-order closes and a long-open query', () => {
  const table = new OpenQueryTable();
  const model = new Map<number, Expected>();
  const random = new SeededRandom(3);
  let next = 0;
  for (let step = 0; step < 60_000; step++) {
    // Mostly opens at first, then as many closes as opens; query 5 stays open to the end, so the window grows past 1,024.
    if (random.next() < (step < 5_000 ? 0.8 : 0.5)) {
      const e: Expected = { scheduled: next * 0.25, submitted: next * 0.25 + random.next(), label: next % 3 === 0 ? undefined : next % 10, warmup: next < 100 };
      table.add(next, e.scheduled, e.submitted, e.label, e.warmup);
      model.set(next, e);
      next++;
    } else if (model.size > 1) {
      const ids = [...model.keys()].filter((id) => id !== 5);
      const id = ids[Math.floor(random.next() * ids.length)];
      const e = model.get(id)!;
      assert.equal(table.isOpen(id), true);
      assert.equal(table.scheduled(id), e.scheduled);
      assert.equal(table.submitted(id), e.submitted);
      assert.equal(table.label(id), e.label);
      assert.equal(table.warmup(id), e.warmup);
      table.close(id);
      model.delete(id);
      assert.equal(table.isOpen(id), false);
    }
    assert.equal(table.size, model.size);
  }
  assert.ok(next > 30_000);
  assert.deepEqual([...table.openIds()], [...model.keys()].sort((a, b) => a - b), 'open ids, oldest first');
  for (const [id, e] of model) assert.equal(table.scheduled(id), e.scheduled);
  table.clear();
  assert.equal(table.size, 0);
  assert.deepEqual([...table.openIds()], []);
  assert.equal(table.isOpen(5), false);
});

test('open query table: ids must come in send order; unknown ids are not open', () => {
  const table = new OpenQueryTable();
  table.add(0, 1, 1, 7, false);
  assert.throws(() => table.add(2, 2, 2, undefined, false), /ids must be 0, 1, 2/);
  for (const id of [-1, 1, 0.5, NaN, 1e9]) assert.equal(table.isOpen(id), false, String(id));
  assert.equal(table.label(0), 7);
  table.close(0);
  assert.equal(table.isOpen(0), false);
  table.add(1, 3, 3, undefined, true);
  assert.equal(table.label(1), undefined);
  assert.equal(table.warmup(1), true);
});
